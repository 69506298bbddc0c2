#include "mappings/dicom/ImagingStudy.h"

#include <gtest/gtest.h>

namespace medbridge::mappings::dicom {
namespace {

rapidjson::Document header(const std::string& extra) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseNumbersAsStringsFlag>(
      (R"({"00080016":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.2"]},)"
       R"("00080018":{"vr":"UI","Value":["9.1.1.1"]},"0020000D":{"vr":"UI","Value":["9.1"]},)"
       R"("0020000E":{"vr":"UI","Value":["9.1.1"]})" +
       extra + "}")
          .c_str());
  EXPECT_FALSE(d.HasParseError());
  return d;
}

TEST(ImagingStudy, LogicalSubjectOffsetFromTheHeaderAndNoOptionalElements) {
  std::vector<rapidjson::Document> headers;
  headers.push_back(header(R"(,"00080020":{"vr":"DA","Value":["20040119"]},)"
                           R"("00080030":{"vr":"TM","Value":["072730.25"]},)"
                           R"("00080201":{"vr":"SH","Value":["-0500"]})"));
  ImagingStudyContext context;
  context.subject = {"", "urn:oid:1.2.3", "P9", "Smith^John=="};
  EXPECT_EQ(imagingStudyJson(headers, context),
            R"({"resourceType":"ImagingStudy","id":"9.1","identifier":[{"system":)"
            R"("urn:dicom:uid","value":"urn:oid:9.1"}],"status":"available","subject":)"
            R"({"identifier":{"system":"urn:oid:1.2.3","value":"P9"},"display":"Smith John"},)"
            R"("started":"2004-01-19T07:27:30.25-05:00","numberOfSeries":1,)"
            R"("numberOfInstances":1,"series":[{"uid":"9.1.1","modality":{"system":)"
            R"("http://dicom.nema.org/resources/ontology/DCM","code":"OT"},)"
            R"("numberOfInstances":1,"instance":[{"uid":"9.1.1.1","sopClass":{"system":)"
            R"("urn:ietf:rfc:3986","code":"urn:oid:1.2.840.10008.5.1.4.1.1.2"}}]}]})");
}

TEST(ImagingStudy, DateWithoutTimeAndChineseNames) {
  std::vector<rapidjson::Document> headers;
  headers.push_back(header(R"(,"00080020":{"vr":"DA","Value":["20261123"]})"));
  ImagingStudyContext context;
  context.subject = {"Patient/7", "", "", "Wang^Xiuying=王^秀英="};
  std::string json = imagingStudyJson(headers, context);
  EXPECT_NE(json.find(R"("subject":{"reference":"Patient/7","display":"王秀英"},)"
                      R"("started":"2026-11-23",)"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace medbridge::mappings::dicom
