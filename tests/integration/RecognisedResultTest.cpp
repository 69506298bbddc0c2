// Same-level result recognition at the receiving hospital's gateway: the HIS orders an
// examination over MLLP (ORM^O01); when a referral shared a recognised result of it for the
// patient within referral.resultValidityDays, the order is taken (AA) with an ERR of severity W
// pointing at that result; a result not recognised, another examination or an old result gives a
// plain AA. The same over FHIR: the order is stored, the answer carries the warning.
#include <gtest/gtest.h>

#include <chrono>

#include "gateway/core/Time.h"
#include "tests/integration/FhirHelpers.h"
#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

std::string daysAgo(int days) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return core::instantOf(now - std::int64_t(days) * 86'400'000).substr(0, 10);
}

std::string report(const std::string& id, const std::string& code, const std::string& date) {
  return R"({"resourceType":"DiagnosticReport","id":")" + id +
         R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":")" + code +
         R"("}]},"subject":{"reference":"Patient/platform-p1"},"effectiveDateTime":")" + date +
         "\"}";
}

std::string order(const std::string& control, const std::string& code) {
  return "MSH|^~\\&|HIS|TERTIARY|MEDBRIDGE|TERTIARY|20261124100000+0800||ORM^O01|" + control +
         "|P|2.5\r"
         "PID|1||T-88^^^TERTIARY-HIS^MR~11010519491231002X^^^PRC-NID^NI||张^三||19491231|M\r"
         "ORC|NW|" +
         control + "^TERTIARY-ORDERS\rOBR|1|" + control + "^TERTIARY-ORDERS||" + code + "\r";
}

TEST(RecognisedResult, ARepeatOrderOfARecognisedResultIsTakenWithAWarning) {
  TempDir dir;
  GatewayProcess tertiary(dir.path(), {"referral.resultValidityDays=30"});
  tertiary.start();
  auto put = [&](const std::string& path, const std::string& body) {
    auto r = httpRequest(tertiary.httpPort(), "PUT", "/fhir/" + path, body, kFhirJson);
    EXPECT_EQ(r.status / 100, 2) << path << ": " << r.body;
  };
  // What a referral brought from the platform: the patient (national ID), her results and their
  // recognition here.
  put("Patient/platform-p1",
      R"({"resourceType":"Patient","id":"platform-p1","identifier":[{"system":"urn:oid:2.16.156.10011.1.3","value":"11010519491231002X"}],"name":[{"text":"张三"}]})");
  put("DiagnosticReport/ct", report("ct", "24627-2", daysAgo(10)));
  put("DiagnosticReport/echo", report("echo", "34552-0", daysAgo(10)));
  put("DiagnosticReport/old-xray", report("old-xray", "36643-5", daysAgo(45)));
  put("List/shared-results-r1",
      R"({"resourceType":"List","id":"shared-results-r1","status":"current","mode":"snapshot","code":{"coding":[{"system":"urn:medbridge:codesystem:result-recognition","code":"shared-results"}]},"subject":{"reference":"Patient/platform-p1"},"entry":[)"
      R"({"flag":{"coding":[{"system":"urn:medbridge:codesystem:result-recognition","code":"recognised"}]},"item":{"reference":"DiagnosticReport/ct"}},)"
      R"({"flag":{"coding":[{"system":"urn:medbridge:codesystem:result-recognition","code":"not-recognised"}]},"item":{"reference":"DiagnosticReport/echo"}},)"
      R"({"flag":{"coding":[{"system":"urn:medbridge:codesystem:result-recognition","code":"recognised"}]},"item":{"reference":"DiagnosticReport/old-xray"}}]})");

  MllpClient his(tertiary.mllpPort());
  his.sendFrame(order("O-1", "24627-2^CT chest^LN"));
  std::string ack = his.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AA");
  EXPECT_EQ(ackField(ack, "ERR", 2), "OBR^1^4");
  EXPECT_EQ(ackField(ack, "ERR", 3), "0^Message accepted^HL70357");
  EXPECT_EQ(ackField(ack, "ERR", 4), "W");
  EXPECT_EQ(ackField(ack, "ERR", 8),
            "MB-6001 a recognised result of this examination exists (same-level result "
            "recognition); repeat it only when clinically needed: '24627-2' was done on " +
                daysAgo(10) + " (DiagnosticReport/ct, shared with List/shared-results-r1)");
  // Not recognised here, too old, or another examination: a plain AA.
  for (const auto& [control, code] :
       std::vector<std::pair<std::string, std::string>>{{"O-2", "34552-0^Echo^LN"},
                                                        {"O-3", "36643-5^XR chest^LN"},
                                                        {"O-4", "24627-2^CT chest^SCT"},
                                                        {"O-5", "58410-2^CBC^LN"}}) {
    his.sendFrame(order(control, code));
    std::string plain = his.readFrame();
    EXPECT_EQ(ackField(plain, "MSA", 1), "AA") << control;
    EXPECT_EQ(plain.find("\rERR"), std::string::npos) << control << ": " << plain;
  }
  // The orders were all taken.
  EXPECT_TRUE(waitForQueueDrained(tertiary, std::chrono::seconds(30)));
  EXPECT_EQ(sqliteQuery(tertiary.dbPath(), "SELECT COUNT(*) FROM messages")[0][0], "5");

  // The same over FHIR: the order is stored and the answer carries the warning.
  std::string warning =
      "MB-6001 a recognised result of this examination exists (same-level result recognition); "
      "repeat it only when clinically needed: '24627-2' was done on " +
      daysAgo(10) + " (DiagnosticReport/ct, shared with List/shared-results-r1)";
  put("Patient/local-p1",
      R"({"resourceType":"Patient","id":"local-p1","identifier":[{"system":"urn:oid:2.16.156.10011.1.3","value":"11010519491231002X"}]})");
  auto fhirOrder = [](const std::string& id, const std::string& code) {
    return R"({"resourceType":"ServiceRequest","id":")" + id +
           R"(","status":"active","intent":"order","code":{"coding":[{"system":"http://loinc.org","code":")" +
           code + R"("}]},"subject":{"reference":"Patient/local-p1"}})";
  };
  auto headers = kFhirJson;
  headers.push_back({"Prefer", "return=OperationOutcome"});
  auto outcome = httpRequest(tertiary.httpPort(), "PUT", "/fhir/ServiceRequest/o6",
                             fhirOrder("o6", "24627-2"), headers);
  ASSERT_EQ(outcome.status, 201) << outcome.body;
  auto issues = parsed(outcome.body)["issue"].GetArray();
  ASSERT_EQ(issues.Size(), 2u) << outcome.body;
  EXPECT_EQ(field(issues[1], "severity"), "warning");
  EXPECT_EQ(field(issues[1], "diagnostics"), warning);
  auto plain = httpRequest(tertiary.httpPort(), "PUT", "/fhir/ServiceRequest/o7",
                           fhirOrder("o7", "24627-2"), kFhirJson);
  ASSERT_EQ(plain.status, 201);
  EXPECT_EQ(plain.header("warning"), "299 medbridge \"" + warning + "\"");
  EXPECT_EQ(field(parsed(plain.body), "id"), "o7");
  auto other = httpRequest(tertiary.httpPort(), "PUT", "/fhir/ServiceRequest/o8",
                           fhirOrder("o8", "58410-2"), kFhirJson);
  EXPECT_EQ(other.status, 201);
  EXPECT_EQ(other.header("warning"), "");
  // In a transaction, the entry's outcome.
  auto bundle =
      httpRequest(tertiary.httpPort(), "POST", "/fhir",
                  R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)" +
                      fhirOrder("o9", "24627-2") +
                      R"(,"request":{"method":"PUT","url":"ServiceRequest/o9"}}]})",
                  kFhirJson);
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  auto entry = parsed(bundle.body)["entry"][0]["response"].GetObject();
  EXPECT_EQ(field(entry["outcome"]["issue"][0], "diagnostics"), warning);
}

}  // namespace
}  // namespace medbridge::testing
