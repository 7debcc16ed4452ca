// Private to the config module: the shared string helpers
// (dpdhcp/base/text.h) under the names the config sources use.
#pragma once

#include "dpdhcp/base/text.h"

namespace dpdhcp::config::internal {

using base::Absl;
using base::Cat;
using base::EqualsIgnoreCase;
using base::StartsWithIgnoreCase;
using base::Trim;

}  // namespace dpdhcp::config::internal
