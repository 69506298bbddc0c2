#include "mappings/fhir/Validator.h"

#include <gtest/gtest.h>

#include "mappings/fhir/Json.h"

namespace medbridge::mappings::fhir {
namespace {

std::vector<ValidationIssue> check(const std::string& json) {
  rapidjson::Document doc;
  auto error = parseJson(json, doc);
  EXPECT_FALSE(error) << error->describe();
  return Validator().validate(doc);
}

std::string summary(const std::vector<ValidationIssue>& issues) {
  std::string s;
  for (const auto& i : issues) s += i.code + " " + i.expression + ": " + i.message + "\n";
  return s;
}

TEST(Definitions, KnowsTheR4Types) {
  const auto& defs = Definitions::r4();
  EXPECT_EQ(defs.fhirVersion(), "4.0.1");
  EXPECT_EQ(defs.resourceTypes().size(), 146u);
  EXPECT_TRUE(defs.isResourceType("Patient"));
  EXPECT_FALSE(defs.isResourceType("DomainResource"));
  EXPECT_FALSE(defs.isResourceType("HumanName"));
  const TypeDef* obs = defs.type("Observation");
  ASSERT_NE(obs, nullptr);
  const ResolvedMember* m = defs.member(*obs, "", "valueQuantity");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->type, "Quantity");
  EXPECT_EQ(m->element->name, "value");
  EXPECT_EQ(defs.member(*obs, "", "valueFoo"), nullptr);
  const auto* genders = defs.valueSet("http://hl7.org/fhir/ValueSet/administrative-gender");
  ASSERT_NE(genders, nullptr);
  EXPECT_EQ(genders->size(), 4u);
}

TEST(Validator, AcceptsAValidPatient) {
  auto issues = check(R"({"resourceType":"Patient","id":"p1","meta":{"tag":[{"code":"x"}]},
    "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">张三</div>"},
    "identifier":[{"system":"urn:oid:2.16.840.1","value":"11010519491231002X"}],
    "name":[{"family":"张","given":["三"]}],"gender":"male","birthDate":"1949-12-31",
    "_birthDate":{"extension":[{"url":"http://example.org/t","valueTime":"10:00:00"}]},
    "deceasedBoolean":false,"multipleBirthInteger":2,
    "contact":[{"relationship":[{"text":"mother"}],"name":{"text":"王"}}],
    "contained":[{"resourceType":"Organization","id":"o","name":"医院"}],
    "managingOrganization":{"reference":"#o"}})");
  EXPECT_TRUE(issues.empty()) << summary(issues);
}

TEST(Validator, NamesEachStructuralProblemByPath) {
  auto issues = check(R"({"resourceType":"Patient","nmae":[{"family":"x"}],"gender":"man",
    "birthDate":"1949-02-30","active":"yes","name":{"family":"x"},"identifier":[],
    "telecom":[{"system":"phone","value":"1","rank":0}],"multipleBirthInteger":1.5,
    "contact":[{"gender":"female","foo":1}]})");
  std::string s = summary(issues);
  EXPECT_NE(s.find("structure Patient.nmae: unknown element 'nmae' in Patient"), std::string::npos)
      << s;
  EXPECT_NE(s.find("code-invalid Patient.gender: 'man' is not in the required value set "
                   "http://hl7.org/fhir/ValueSet/administrative-gender"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("value Patient.birthDate: '1949-02-30' is not a valid date"), std::string::npos)
      << s;
  EXPECT_NE(s.find("value Patient.active: expected a JSON boolean"), std::string::npos) << s;
  EXPECT_NE(s.find("structure Patient.name: must be a JSON array"), std::string::npos) << s;
  EXPECT_NE(s.find("structure Patient.identifier: empty array"), std::string::npos) << s;
  EXPECT_NE(s.find("value Patient.telecom[0].rank: must be 1 or more"), std::string::npos) << s;
  EXPECT_NE(s.find("value Patient.multipleBirthInteger: '1.5' is not a 32-bit integer"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("structure Patient.contact[0].foo: unknown element 'foo' in Patient.contact"),
            std::string::npos)
      << s;
  EXPECT_EQ(issues.size(), 9u) << s;
}

TEST(Validator, RequiredElementsTheJsonSchemaDoesNotEnforce) {
  auto issues = check(R"({"resourceType":"Task","id":"t"})");
  EXPECT_EQ(summary(issues),
            "required Task.status: required element missing (minimum cardinality 1)\n"
            "required Task.intent: required element missing (minimum cardinality 1)\n");
  issues = check(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "component":[{"valueString":"a"}]})");
  EXPECT_EQ(summary(issues),
            "required Observation.component[0].code: required element missing (minimum "
            "cardinality 1)\n");
  // A choice element is required as a whole: any of its types will do.
  issues = check(R"({"resourceType":"Extension"})");
  EXPECT_NE(summary(issues).find("unknown resource type 'Extension'"), std::string::npos);
}

TEST(Validator, ChecksNestedResourcesAndPrimitiveFormats) {
  auto issues = check(R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Observation","status":"done","code":{"text":"x"},
      "effectiveDateTime":"2024-01-01T10:00:00","valueQuantity":{"value":1.50,"unit":"mg"}},
     "request":{"method":"POST","url":"Observation"}},
    {"resource":{"resourceType":"Nope"}}]})");
  EXPECT_EQ(summary(issues),
            "code-invalid Bundle.entry[0].resource.status: 'done' is not in the required value "
            "set http://hl7.org/fhir/ValueSet/observation-status\n"
            "value Bundle.entry[0].resource.effectiveDateTime: '2024-01-01T10:00:00' is not a "
            "valid dateTime\n"
            "structure Bundle.entry[1].resource: unknown resource type 'Nope'\n");
}

TEST(Json, KeepsNumbersAsWrittenAndNamesTheErrorPosition) {
  rapidjson::Document doc;
  ASSERT_FALSE(parseJson(R"({"a":1.50,"b":[1e3,-0.0],"c":"1.50"})", doc));
  EXPECT_EQ(toJson(doc), R"({"a":1.50,"b":[1e3,-0.0],"c":"1.50"})");
  EXPECT_EQ(*numberText(doc["a"]), "1.50");
  EXPECT_FALSE(numberText(doc["c"]));
  auto error = parseJson("{\n  \"a\": 1,\n  \"b\" 2\n}", doc);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->describe(),
            "line 3, column 7 (byte 18): Missing a colon after a name of object member.");
  error = parseJson(std::string(100000, '['), doc);
  ASSERT_TRUE(error);  // deep nesting: an error, not a stack overflow
  EXPECT_TRUE(parseJson("{\"a\":\"\xff\"}", doc));
}

}  // namespace
}  // namespace medbridge::mappings::fhir
