#include "lease_csv.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dpdhcp/base/mac_address.h"

namespace dpdhcp::app {

std::optional<std::string> FormatKeaLease4Line(const lease::Lease& l) {
  int state = 0;
  switch (l.state) {
    case lease::LeaseState::kBound:
      state = 0;
      break;  // Kea STATE_DEFAULT
    case lease::LeaseState::kDeclined:
      state = 1;
      break;  // Kea STATE_DECLINED
    default:
      return std::nullopt;
  }
  const base::ByteSpan hw = l.hw();
  std::string client_id;
  if (l.key.kind() == lease::ClientKey::Kind::kClientId && !l.key.hashed()) {
    client_id = base::FormatHexBytes(l.key.bytes().data(), l.key.bytes().size());
  }
  const uint64_t expire =
      l.infinite() ? uint64_t{l.cltt} + base::kInfiniteLifetime : uint64_t{l.expire};
  return absl::StrFormat("%s,%s,%s,%u,%u,%u,0,0,,%d,", l.address.ToString(),
                         base::FormatHexBytes(hw.data(), hw.size()), client_id, l.valid_lifetime(),
                         expire, l.subnet_id, state);
}

absl::StatusOr<size_t> WriteKeaLease4File(const std::string& path,
                                          const lease::LeaseStore& leases) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return absl::UnavailableError(absl::StrCat(tmp, ": cannot create: ", std::strerror(errno)));
  }
  size_t lines = 0;
  bool ok = std::fprintf(f, "%.*s\n", static_cast<int>(kKeaLease4CsvHeader.size()),
                         kKeaLease4CsvHeader.data()) > 0;
  for (uint32_t s = 0; s < leases.num_shards() && ok; ++s) {
    leases.shard(s).ForEach([&](uint32_t, const lease::Lease& l) {
      if (!ok) return;
      if (const auto line = FormatKeaLease4Line(l)) {
        ok = std::fprintf(f, "%s\n", line->c_str()) > 0;
        ++lines;
      }
    });
  }
  const int err = ok ? 0 : errno;
  if (std::fclose(f) != 0 && ok) {
    return absl::DataLossError(absl::StrCat(tmp, ": write error: ", std::strerror(errno)));
  }
  if (!ok) return absl::DataLossError(absl::StrCat(tmp, ": write error: ", std::strerror(err)));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", tmp, " to ", path, ": ", std::strerror(errno)));
  }
  return lines;
}

}  // namespace dpdhcp::app
