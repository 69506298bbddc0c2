#pragma once

// DICOM data sets <-> the DICOM JSON model (PS3.18 F.2), the form medbridge keeps and matches
// instance headers in (mappings/dicom/DicomQuery.h).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <rapidjson/document.h>

#include <string>

namespace medbridge::adapters::pacs_dicom {

// The header of a data set already converted to UTF-8: every attribute except group lengths, with
// numbers as JSON numbers, person names as their component groups, sequences recursively. Binary
// values (OB, OW, OF, OD, OL, OV, UN) and values over 4 KiB keep their VR only, so pixel data is
// never read.
std::string headerJson(DcmItem& item);

// A tag as DICOM JSON writes it: 8 upper-case hex digits ("00100010").
std::string tagText(const DcmTagKey& tag);

// Converts every value to UTF-8. Without a Specific Character Set, bytes above 0x7F are read as
// UTF-8 when they are valid UTF-8, else as GB18030 (what Chinese devices send undeclared).
OFCondition convertToUtf8(DcmItem& item);

// Puts the attributes of a DICOM JSON object (numbers parsed as text) into `item`, in UTF-8.
void putJson(const rapidjson::Value& object, DcmItem& item);

}  // namespace medbridge::adapters::pacs_dicom
