// What FHIR Patients and DICOM headers tell the patient index.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "mappings/identity/DicomPatientFacts.h"
#include "mappings/identity/FhirPatientFacts.h"

namespace medbridge::mappings::identity {
namespace {

const IdentifierSystems& systems() {
  return IdentifierSystems::builtIn();
}

std::string describe(const PatientFacts& f) {
  std::string out;
  for (const auto& i : f.identifiers)
    out += i.system + "|" + i.value + " " + (i.type.empty() ? "-" : i.type) +
           (i.trusted ? " trusted" : "") + (i.guardian ? " guardian" : "") + "\n";
  out += "birthDate=" + f.birthDate + " gender=" + f.gender + " names=";
  for (const auto& k : f.nameKeys) out += k + ";";
  return out;
}

TEST(PatientFactsFromFhir, IdentifiersNamesAndTheGuardianMarker) {
  rapidjson::Document d;
  d.Parse(R"({"resourceType":"Patient","identifier":[
      {"system":"urn:oid:1.2.156.112604.1.2.1.1","value":"A1"},
      {"system":"PRC-NID","value":"11010519491231002X",
       "type":{"coding":[{"system":"urn:x","code":"GUARDIAN"}]}},
      {"system":"urn:unknown","value":"U1"},
      {"value":"no-system"}],
    "name":[{"family":"王","given":["秀","英"]},{"text":"Wang Xiuying"}],
    "gender":"female","birthDate":"1949-12-31"})");
  EXPECT_EQ(describe(patientFactsFromFhir(d, "p1", systems())),
            "urn:oid:1.2.156.112604.1.2.1.1|A1 mrn trusted\n"
            "urn:oid:2.16.156.10011.1.3|11010519491231002X national-id trusted guardian\n"
            "urn:unknown|U1 -\n"
            "birthDate=1949-12-31 gender=female names=王秀英;wangxiuying;");
  rapidjson::Document partial;
  partial.Parse(R"({"resourceType":"Patient","birthDate":"1949"})");
  EXPECT_EQ(patientFactsFromFhir(partial, "p2", systems()).birthDate, "")
      << "only full dates are compared";
}

TEST(PatientFactsFromDicom, IssuersOtherIdsAndPersonNameGroups) {
  dicom::DicomSummary s;
  s.patientId = "P100";
  s.issuerOfPatientId = "ZJYY-PACS";
  s.otherPatientIds = {
      {"11010519491231002X", "2.16.156.10011.1.3"}, {"X9", "SOMEWHERE"}, {"no-issuer", ""}};
  s.patientName = "Wang^Xiuying=王^秀英=";
  s.birthDate = "19491231";
  s.sex = "F";
  EXPECT_EQ(describe(patientFactsFromDicom(s, systems())),
            "urn:oid:1.2.156.112604.1.2.1.2|P100 pacs-id trusted\n"
            "urn:oid:2.16.156.10011.1.3|11010519491231002X national-id trusted\n"
            "urn:medbridge:aa:SOMEWHERE|X9 -\n"
            "birthDate=1949-12-31 gender=female names=wangxiuying;王秀英;");
}

}  // namespace
}  // namespace medbridge::mappings::identity
