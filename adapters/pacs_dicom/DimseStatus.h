#pragma once

// The DIMSE statuses medbridge answers and reads (PS3.4 / PS3.7), one name each.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/ofstd/oftypes.h>

namespace medbridge::adapters::pacs_dicom::dimse {

constexpr Uint16 kSuccess = 0x0000;
constexpr Uint16 kPending = 0xFF00;
constexpr Uint16 kCanceled = 0xFE00;
constexpr Uint16 kSubOperationsFailed = 0xB000;  // warning: one or more sub-operations failed
constexpr Uint16 kSopClassNotSupported = 0x0122;
constexpr Uint16 kOutOfResources = 0xA700;
constexpr Uint16 kUnableToPerformSubOperations = 0xA702;
constexpr Uint16 kMoveDestinationUnknown = 0xA801;
constexpr Uint16 kDoesNotMatchSopClass = 0xA900;  // data set / identifier does not match
constexpr Uint16 kCannotUnderstand = 0xC000;      // also C-FIND/C-MOVE/C-GET "unable to process"

}  // namespace medbridge::adapters::pacs_dicom::dimse
