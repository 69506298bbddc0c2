// The official R4 examples (npm hl7.fhir.r4.examples 4.0.1, every resource type) stored through
// the REST API and read back unchanged; the few invalid ones refused with a precise
// OperationOutcome.
#include <gtest/gtest.h>

#include <future>
#include <map>

#include "tests/integration/FhirHelpers.h"

namespace medbridge::testing {
namespace {

TEST(FhirExamples, OfficialR4ExamplesRoundTripUnchanged) {
  std::string dir = peersDir() + "/node_modules/hl7.fhir.r4.examples";
  TempDir tmp;
  // The largest example (Bundle-resources, 35 MB) is above the default 16 MiB request limit.
  GatewayProcess gw(tmp.path(), {"http.maxRequestBytes=67108864"});
  gw.start();
  int stored = 0, refused = 0, skipped = 0;
  std::map<std::string, int> types;
  // Every read-back, and its original, checked against the official JSON schema: a few
  // originals fail it already (the schema lacks primitive extensions such as
  // StructureDefinition._baseDefinition), so the read-backs must fail it in exactly the same way.
  ReceivedResources received, originals;
  std::vector<std::string> problems;
  for (const auto& file : listFiles(dir, ".json")) {
    std::string name = file.substr(file.rfind('/') + 1);
    if (name.find('-') == std::string::npos) {  // package.json, ig-r4.json: not examples
      ++skipped;
      continue;
    }
    std::string text = readFile(file);
    rapidjson::Document original;
    if (mappings::fhir::parseJson(text, original) || !original.IsObject()) {
      problems.push_back(name + ": not JSON");
      continue;
    }
    std::string type = field(original, "resourceType"), id = field(original, "id");
    auto r = id.empty()
                 ? httpRequest(gw.httpPort(), "POST", "/fhir/" + type, text, kFhirJson)
                 : httpRequest(gw.httpPort(), "PUT", "/fhir/" + type + "/" + id, text, kFhirJson);
    if (r.status == 422) {
      // Refused: every issue names the element.
      ++refused;
      auto oo = parsed(r.body);
      for (const auto& issue : oo["issue"].GetArray())
        if (!issue.HasMember("expression"))
          problems.push_back(name + ": an issue without expression: " + r.body);
      continue;
    }
    if (r.status == 400 && firstIssue(r.body).find("is not a valid id") != std::string::npos) {
      ++refused;  // an id longer than R4's 64 characters
      continue;
    }
    if (r.status != 201 && r.status != 200) {
      problems.push_back(name + ": " + std::to_string(r.status) + " " + r.body.substr(0, 300));
      continue;
    }
    std::string location = r.header("location");
    std::string path = location.substr(location.find("/fhir/"));
    path = path.substr(0, path.find("/_history"));
    auto back = httpRequest(gw.httpPort(), "GET", path);
    received.add(back.body);
    originals.add(mappings::fhir::toJson(original));
    auto copy = parsed(back.body);
    withoutVersionMeta(copy);
    withoutVersionMeta(original);
    if (id.empty()) copy.RemoveMember("id");
    if (copy != original) {
      problems.push_back(name + ": read back differs: " + back.body.substr(0, 300));
      continue;
    }
    ++stored;
    ++types[type];
  }
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_EQ(all, "");
  // 5,306 example files: all but 14 are valid R4. 13 miss required elements
  // (Questionnaire.item.linkId, SearchParameter.base, ImplementationGuide.name/status), one has
  // a 68-character id.
  EXPECT_EQ(refused, 14);
  EXPECT_EQ(stored + refused + skipped, static_cast<int>(listFiles(dir, ".json").size()));
  EXPECT_GE(types.size(), 140u);
  std::cout << stored << " examples of " << types.size() << " resource types stored and read back "
            << "unchanged; " << refused << " refused\n";
  auto originalReport = std::async(std::launch::async, [&] { return originals.schemaProblems(); });
  std::string actual = received.schemaProblems();
  std::string expected = originalReport.get();
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(received.ownProblems(), "");
  // The originals' own problems, found the same in what medbridge gives back (unresolved
  // references in example transaction Bundles, other than to reference data, among them).
  EXPECT_NE(expected.find("checked 18610 resources, 794 problems (R4 schema, 146 resource types)"),
            std::string::npos)
      << expected;
  EXPECT_EQ(gw.terminate(), 0);
}

}  // namespace
}  // namespace medbridge::testing
