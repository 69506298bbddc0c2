#pragma once

// C-FIND / C-MOVE / C-GET identifiers as DicomQuery.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <string>

#include "mappings/dicom/DicomQuery.h"

namespace medbridge::adapters::pacs_dicom {

// The query an identifier (already in UTF-8) asks under the information model `sopClass`;
// returns "" or why it cannot be answered (unknown level, PATIENT level in the study root).
std::string toQuery(DcmDataset& identifier, const std::string& sopClass,
                    mappings::dicom::DicomQuery& query);

const char* levelName(mappings::dicom::QueryLevel level);

}  // namespace medbridge::adapters::pacs_dicom
