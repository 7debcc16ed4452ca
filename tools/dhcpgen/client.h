// One emulated client's state (private to the generator's .cc files).
#pragma once

#include <cstdint>

#include "generator.h"

namespace dpdhcp::dhcpgen {

inline constexpr uint32_t kNone = UINT32_MAX;

// RFC 2131 §4.4 client states, as far as the generator follows them.
enum class ClientState : uint8_t {
  kIdleUnbound,  // INIT, in the unbound idle ring
  kIdleBound,    // BOUND, in the bound idle ring
  kSelecting,    // DISCOVER sent, waiting for an OFFER
  kRequesting,   // REQUEST (50 + 54) sent, waiting for ACK/NAK
  kRenewing,     // unicast REQUEST with ciaddr sent
  kRebinding,    // broadcast REQUEST with ciaddr sent
  kReleasing,    // RELEASE being built (no reply)
  kDeclining,    // DECLINE being built (no reply)
};

struct Generator::Client {
  uint32_t xid = 0;        // (index << 8) | seq: the current or last transaction
  uint32_t address = 0;    // offered (while requesting) or bound address
  uint32_t server_id = 0;  // option 54 of the OFFER / ACK
  uint32_t prev = kNone, next = kNone;  // the deadline list
  uint64_t exchange_start = 0;  // ticks: first send of the current exchange
  uint64_t deadline = 0;        // ticks: when the current send times out
  uint64_t lease_end = 0;       // ticks: when the bound lease runs out; 0 unknown
  ClientState state = ClientState::kIdleUnbound;
  TxKind kind = TxKind::kDora;
  uint8_t tries = 0;  // sends of the current exchange
  uint8_t seq = 0;
  bool wrapped = false;  // seq went past 255 once: every seq 1..255 was used
  bool holds = false;    // address recorded in the address table as ours
  bool waiting = false;  // in the deadline list
};

}  // namespace dpdhcp::dhcpgen
