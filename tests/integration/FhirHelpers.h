#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <mutex>
#include <string>
#include <vector>

#include "mappings/fhir/Json.h"
#include "mappings/fhir/Validator.h"
#include "tests/support/TestSupport.h"

namespace medbridge::testing {

inline const std::vector<std::pair<std::string, std::string>> kFhirJson = {
    {"Content-Type", "application/fhir+json"}, {"Accept", "application/fhir+json"}};

inline rapidjson::Document parsed(const std::string& body) {
  rapidjson::Document d;
  auto error = mappings::fhir::parseJson(body, d);
  if (error) ADD_FAILURE() << "not JSON: " << error->describe() << ": " << body.substr(0, 300);
  return d;
}

inline std::string field(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject() || !v.HasMember(name) || !v[name].IsString()) return "";
  return v[name].GetString();
}

// Drops what the server sets (meta.versionId, meta.lastUpdated) before comparing resources.
inline void withoutVersionMeta(rapidjson::Value& v) {
  if (!v.IsObject() || !v.HasMember("meta")) return;
  v["meta"].RemoveMember("versionId");
  v["meta"].RemoveMember("lastUpdated");
  if (v["meta"].MemberCount() == 0) v.RemoveMember("meta");
}

// A number as parseJson keeps it (text), as an integer; -1 when v is not a number.
inline long long integer(const rapidjson::Value& v) {
  auto text = mappings::fhir::numberText(v);
  return text ? std::stoll(std::string(*text)) : -1;
}

// The first issue's diagnostics and expression of an OperationOutcome: "diag @ expr".
inline std::string firstIssue(const std::string& body) {
  auto d = parsed(body);
  if (field(d, "resourceType") != "OperationOutcome") return "not an OperationOutcome: " + body;
  const auto& issue = d["issue"][0];
  std::string out = field(issue, "diagnostics");
  if (issue.HasMember("expression")) out += std::string(" @ ") + issue["expression"][0].GetString();
  return out;
}

// Every resource a test received, checked at the end against the official R4 JSON schema and,
// as it arrives, against medbridge's own validator.
class ReceivedResources {
 public:
  void add(const std::string& body) {
    if (body.empty()) return;
    rapidjson::Document d;
    std::string own;
    if (!mappings::fhir::parseJson(body, d))
      for (const auto& i : mappings::fhir::Validator().validate(d))
        own += i.expression + ": " + i.message + "\n";
    std::lock_guard lock(mutex_);
    lines_ += body + "\n";
    ownProblems_ += own;
  }
  // What medbridge's validator found in the resources received ("" when nothing).
  const std::string& ownProblems() const { return ownProblems_; }
  // Runs the npm schema validator; returns its report ("" when every resource is valid).
  std::string schemaProblems() const {
    auto r = runCommand({"node", peersDir() + "/validate-fhir.js"}, lines_);
    return r.exitCode == 0 ? "" : r.out + r.err;
  }

 private:
  std::mutex mutex_;
  std::string lines_, ownProblems_;
};

// A gateway of its own per test; every resource received is checked at the end against the
// official R4 JSON schema and medbridge's validator, and the gateway must stop cleanly.
class FhirServerTest : public ::testing::Test {
 protected:
  void SetUp() override { gw_.start(); }
  void TearDown() override {
    EXPECT_EQ(gw_.terminate(), 0);
    EXPECT_EQ(received_.schemaProblems(), "");
    EXPECT_EQ(received_.ownProblems(), "");
  }
  HttpResult call(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::vector<std::pair<std::string, std::string>>& headers = kFhirJson) {
    auto r = httpRequest(gw_.httpPort(), method, "/fhir" + path, body, headers);
    received_.add(r.body);
    return r;
  }
  TempDir dir_;
  GatewayProcess gw_{dir_.path()};
  ReceivedResources received_;
};

}  // namespace medbridge::testing
