// The journal record that makes an engine lease change durable. Private to
// the runtime (the worker appends one per change, RFC 2131 §3.1 step 4: the
// binding is recorded before the ACK); perf/micro/durable_ack_bench.cc uses
// it to journal as the worker does.
#pragma once

#include "dpdhcp/engine/engine.h"
#include "dpdhcp/journal/record.h"

namespace dpdhcp::runtime::internal {

// kNone has no record (callers skip it); it maps to kDeleted only so that
// every value has an answer.
inline journal::RecordType RecordTypeOf(engine::LeaseEvent e) {
  switch (e) {
    case engine::LeaseEvent::kGranted: return journal::RecordType::kGranted;
    case engine::LeaseEvent::kRenewed: return journal::RecordType::kRenewed;
    case engine::LeaseEvent::kReleased: return journal::RecordType::kReleased;
    case engine::LeaseEvent::kDeclined: return journal::RecordType::kDeclined;
    case engine::LeaseEvent::kExpired: return journal::RecordType::kExpired;
    case engine::LeaseEvent::kDeleted:
    case engine::LeaseEvent::kNone: break;
  }
  return journal::RecordType::kDeleted;
}

}  // namespace dpdhcp::runtime::internal
