// Private to the control module: the shared string helpers
// (dpdhcp/base/text.h) under the names the control sources use.
#pragma once

#include "dpdhcp/base/text.h"

namespace dpdhcp::control::internal {

using base::Absl;
using base::Cat;

}  // namespace dpdhcp::control::internal
