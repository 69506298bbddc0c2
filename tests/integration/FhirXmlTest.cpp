// FHIR XML: the official R4 examples JSON -> XML -> JSON without loss, and XML both ways over
// real HTTP (Content-Type, Accept, _format), malformed and hostile XML refused.
#include <gtest/gtest.h>

#include "mappings/fhir/XmlFormat.h"
#include "tests/integration/FhirHelpers.h"

namespace medbridge::testing {
namespace {

using mappings::fhir::canonicalXhtml;

std::string examplesDir() {
  return peersDir() + "/node_modules/hl7.fhir.r4.examples";
}

// Narratives compared as XHTML: an XML parser must normalise CR LF and may re-serialise
// character references and empty elements, so both sides are put in canonical form.
void canonicalNarratives(rapidjson::Value& v, rapidjson::Document::AllocatorType& a) {
  if (v.IsArray()) {
    for (auto& x : v.GetArray()) canonicalNarratives(x, a);
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      if (std::string_view(m.name.GetString()) == "div" && m.value.IsString())
        m.value.SetString(canonicalXhtml(m.value.GetString()).c_str(), a);
      else
        canonicalNarratives(m.value, a);
    }
  }
}

TEST(FhirXml, OfficialExamplesRoundTripJsonXmlJson) {
  int checked = 0, narrativesRewritten = 0;
  std::string problems;
  for (const auto& file : listFiles(examplesDir(), ".json")) {
    rapidjson::Document original;
    if (mappings::fhir::parseJson(readFile(file), original) || !original.IsObject() ||
        !original.HasMember("resourceType"))
      continue;
    std::string xml = mappings::fhir::toXml(original);
    rapidjson::Document back;
    if (auto e = mappings::fhir::fromXml(xml, back)) {
      problems += file + ": " + e->describe() + "\n";
      continue;
    }
    ++checked;
    if (back == original) continue;
    ++narrativesRewritten;
    canonicalNarratives(original, original.GetAllocator());
    canonicalNarratives(back, back.GetAllocator());
    if (back != original) problems += file + ": differs\n";
  }
  EXPECT_EQ(problems, "");
  EXPECT_EQ(checked, 5306);
  // Everything but narrative XHTML comes back byte for byte; 466 narratives differ only in
  // serialisation (&quot; vs ", <td></td> vs <td/>, CR LF vs LF).
  EXPECT_EQ(narrativesRewritten, 466);
}

class FhirXmlRest : public ::testing::Test {
 protected:
  void SetUp() override { gw_.start(); }
  void TearDown() override { EXPECT_EQ(gw_.terminate(), 0); }
  HttpResult call(const std::string& method, const std::string& path, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
    return httpRequest(gw_.httpPort(), method, "/fhir" + path, body, headers);
  }
  TempDir dir_;
  // The largest examples exceed the default 16 MiB request limit as XML.
  GatewayProcess gw_{dir_.path(), {"http.maxRequestBytes=67108864"}};
};

const std::vector<std::pair<std::string, std::string>> kXml = {
    {"Content-Type", "application/fhir+xml"}, {"Accept", "application/fhir+xml"}};

TEST_F(FhirXmlRest, XmlInXmlOutAndJsonAlike) {
  std::string patient =
      "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"p1\"/>"
      "<text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\">王秀英</div>"
      "</text><contained><Organization><id value=\"o\"/><name value=\"浙江医院\"/></Organization>"
      "</contained><extension url=\"http://example.org/ethnicity\"><valueString value=\"汉\"/>"
      "</extension><name><family value=\"王\"/><given value=\"秀英\"/><given id=\"g2\">"
      "<extension url=\"http://example.org/x\"><valueBoolean value=\"true\"/></extension></given>"
      "</name><gender value=\"female\"/><birthDate value=\"1949-12-31\"><extension "
      "url=\"http://hl7.org/fhir/StructureDefinition/patient-birthTime\"><valueDateTime "
      "value=\"1949-12-31T10:00:00+08:00\"/></extension></birthDate>"
      "<managingOrganization><reference value=\"#o\"/></managingOrganization></Patient>";
  auto created = call("PUT", "/Patient/p1", patient, kXml);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("content-type"), "application/fhir+xml; charset=utf-8");
  auto json = call("GET", "/Patient/p1", "", kFhirJson);
  auto d = parsed(json.body);
  EXPECT_EQ(field(d["name"][0]["given"][0], ""), "");
  EXPECT_EQ(
      mappings::fhir::toJson(d["name"][0]),
      R"({"family":"王","given":["秀英",null],"_given":[null,{"id":"g2","extension":[{"url":"http://example.org/x","valueBoolean":true}]}]})");
  EXPECT_EQ(
      mappings::fhir::toJson(d["_birthDate"]),
      R"({"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1949-12-31T10:00:00+08:00"}]})");
  EXPECT_EQ(field(d["contained"][0], "name"), "浙江医院");
  // The same resource as XML: what was sent, plus meta.
  auto xml = call("GET", "/Patient/p1?_format=xml", "", {});
  EXPECT_EQ(xml.status, 200);
  std::string expected = patient;
  expected.insert(expected.find("<text>"), "<meta><versionId value=\"1\"/><lastUpdated value=\"" +
                                               field(d["meta"], "lastUpdated") + "\"/></meta>");
  EXPECT_EQ(xml.body, expected);
  // Decimals keep their precision through XML.
  auto obs = call("POST", "/Observation",
                  "<Observation xmlns=\"http://hl7.org/fhir\"><status value=\"final\"/><code>"
                  "<text value=\"glucose\"/></code><valueQuantity><value value=\"5.50\"/>"
                  "</valueQuantity></Observation>",
                  kXml);
  ASSERT_EQ(obs.status, 201) << obs.body;
  EXPECT_NE(obs.body.find("<value value=\"5.50\"/>"), std::string::npos) << obs.body;
  // Errors come back as XML OperationOutcomes when XML is asked for.
  auto invalid =
      call("POST", "/Patient",
           "<Patient xmlns=\"http://hl7.org/fhir\"><gender value=\"man\"/></Patient>", kXml);
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(invalid.body.rfind("<OperationOutcome xmlns=\"http://hl7.org/fhir\">", 0), 0u);
  EXPECT_NE(invalid.body.find("<expression value=\"Patient.gender\"/>"), std::string::npos);
}

TEST_F(FhirXmlRest, MalformedAndHostileXmlIsRefused) {
  auto malformed =
      call("POST", "/Patient",
           "<Patient xmlns=\"http://hl7.org/fhir\">\n<gender value=\"female\">\n</Patient>",
           {{"Content-Type", "application/fhir+xml"}});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(firstIssue(malformed.body).rfind("malformed FHIR XML at line 3", 0), 0u)
      << malformed.body;
  // An external entity (XXE) is never read: documents with a DTD are refused.
  auto xxe = call("POST", "/Patient",
                  "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                  "<Patient xmlns=\"http://hl7.org/fhir\"><gender value=\"&x;\"/></Patient>",
                  {{"Content-Type", "application/fhir+xml"}});
  EXPECT_EQ(xxe.status, 400);
  EXPECT_EQ(xxe.body.find("root:"), std::string::npos);
  auto unknown =
      call("POST", "/Patient", "<Patient xmlns=\"http://hl7.org/fhir\"><nmae/></Patient>",
           {{"Content-Type", "application/fhir+xml"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(firstIssue(unknown.body),
            "malformed FHIR XML at line 1, column 0: unknown element <nmae> in Patient");
  auto wrongNs = call("POST", "/Patient", "<Patient><gender value=\"male\"/></Patient>",
                      {{"Content-Type", "application/fhir+xml"}});
  EXPECT_EQ(wrongNs.status, 400);
}

TEST_F(FhirXmlRest, ExamplesThroughTheServerAsXmlAndBack) {
  // Every 10th official example: stored as JSON, read as XML, stored again from that XML, read
  // as JSON: the same resource.
  auto files = listFiles(examplesDir(), ".json");
  int checked = 0;
  std::string problems;
  for (std::size_t i = 0; i < files.size(); i += 10) {
    rapidjson::Document original;
    if (mappings::fhir::parseJson(readFile(files[i]), original) || !original.IsObject()) continue;
    std::string type = field(original, "resourceType"), id = field(original, "id");
    if (type.empty() || id.empty() || id.size() > 64) continue;
    std::string path = "/" + type + "/" + id;
    auto put = call("PUT", path, mappings::fhir::toJson(original), kFhirJson);
    if (put.status == 422) continue;  // the few invalid examples
    auto xml = call("GET", path, "", {{"Accept", "application/fhir+xml"}});
    auto again = call("PUT", path, xml.body, kXml);
    auto back = call("GET", path, "", kFhirJson);
    rapidjson::Document copy = parsed(back.body);
    withoutVersionMeta(copy);
    withoutVersionMeta(original);
    canonicalNarratives(copy, copy.GetAllocator());
    canonicalNarratives(original, original.GetAllocator());
    if (put.status != 201 || again.status != 200 || copy != original)
      problems +=
          files[i] + ": " + std::to_string(put.status) + "/" + std::to_string(again.status) + "\n";
    ++checked;
  }
  EXPECT_EQ(problems, "");
  EXPECT_GT(checked, 500);
}

}  // namespace
}  // namespace medbridge::testing
