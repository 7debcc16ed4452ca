#include "dpdhcp/journal/segment_files.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dpdhcp::journal {
namespace {

constexpr std::string_view kPrefix = "stream-";
constexpr std::string_view kSuffix = ".seg";

template <class T>
bool ParseDecimal(std::string_view s, T* out) {
  if (s.empty() || s.size() > 20) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string SegmentFileName(uint32_t stream, uint64_t first_sequence) {
  return absl::StrFormat("stream-%u-%012u.seg", stream, first_sequence);
}

bool ParseSegmentFileName(std::string_view name, uint32_t* stream, uint64_t* first_sequence) {
  if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return false;
  }
  name.remove_prefix(kPrefix.size());
  name.remove_suffix(kSuffix.size());
  const size_t dash = name.find('-');
  if (dash == std::string_view::npos) return false;
  return ParseDecimal(name.substr(0, dash), stream) &&
         ParseDecimal(name.substr(dash + 1), first_sequence);
}

absl::StatusOr<std::vector<SegmentFile>> ListSegments(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (d == nullptr) {
    const std::string msg = absl::StrCat(dir, ": cannot list: ", std::strerror(errno));
    return errno == ENOENT ? absl::NotFoundError(msg) : absl::UnavailableError(msg);
  }
  std::vector<SegmentFile> out;
  while (const dirent* e = readdir(d.get())) {
    SegmentFile f;
    if (!ParseSegmentFileName(e->d_name, &f.stream, &f.first_sequence)) continue;
    f.path = absl::StrCat(dir, "/", e->d_name);
    struct stat st;
    if (stat(f.path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // deleted by a concurrent compaction
      return absl::UnavailableError(absl::StrCat(f.path, ": stat: ", std::strerror(errno)));
    }
    if (!S_ISREG(st.st_mode)) continue;
    f.size = static_cast<uint64_t>(st.st_size);
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const SegmentFile& a, const SegmentFile& b) {
    return a.stream != b.stream ? a.stream < b.stream : a.first_sequence < b.first_sequence;
  });
  return out;
}

}  // namespace dpdhcp::journal
