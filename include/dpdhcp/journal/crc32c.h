// CRC-32C (Castagnoli): the checksum of every journal record and snapshot
// block.
//
// The polynomial is 0x1EDC6F41 (0x82F63B78 bit-reflected), with the usual
// pre- and post-inversion, as iSCSI defines it (RFC 3720 §12.1, test vectors
// in §B.4) and as the SSE4.2 crc32 instruction computes it. Chosen over
// CRC-32 (zlib) because x86 computes it in hardware and it detects every
// error of up to 5 bits in a 64-byte record (Koopman, "32-bit cyclic
// redundancy codes for Internet applications", DSN 2002).
//
// Two implementations that must agree bit for bit (tests check it): a
// portable table-driven one (slicing-by-8) and, on x86-64 CPUs with SSE4.2,
// the crc32 instruction. Crc32c picks the hardware one at run time; the build
// does not need -msse4.2.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dpdhcp::journal {

// The CRC-32C of data, continuing from `crc` (the CRC of the bytes before
// data; 0 to start): Crc32c(ab) == Crc32c(b, Crc32c(a)).
uint32_t Crc32c(const void* data, size_t size, uint32_t crc = 0);

// Slicing-by-8 tables, on any CPU.
uint32_t Crc32cPortable(const void* data, size_t size, uint32_t crc = 0);

// True when this CPU has the SSE4.2 crc32 instruction.
bool Crc32cHardwareAvailable();
// The crc32 instruction. Only when Crc32cHardwareAvailable().
uint32_t Crc32cHardware(const void* data, size_t size, uint32_t crc = 0);

}  // namespace dpdhcp::journal
