#pragma once

// DICOM JSON objects held with numbers as text (parsed with kParseNumbersAsStringsFlag) written
// back as DICOM JSON (PS3.18 F.2): values of IS, DS and the binary number VRs as JSON numbers.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

namespace medbridge::mappings::dicom {

void writeDicomJson(const rapidjson::Value& object,
                    rapidjson::Writer<rapidjson::StringBuffer>& writer);
std::string dicomJsonText(const rapidjson::Value& object);

}  // namespace medbridge::mappings::dicom
