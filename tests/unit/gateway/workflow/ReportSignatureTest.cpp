#include "gateway/workflow/ReportSignature.h"

#include <gtest/gtest.h>

#include "tests/support/TestSupport.h"

namespace medbridge::workflow {
namespace {

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  return d;
}

struct Keys {
  testing::TempDir dir;
  std::string privatePem, publicPem;
  explicit Keys(const std::vector<std::string>& algorithm) {
    std::vector<std::string> gen = {"openssl", "genpkey"};
    gen.insert(gen.end(), algorithm.begin(), algorithm.end());
    gen.insert(gen.end(), {"-out", dir.file("k.pem")});
    EXPECT_EQ(testing::runCommand(gen).exitCode, 0);
    EXPECT_EQ(testing::runCommand({"openssl", "pkey", "-in", dir.file("k.pem"), "-pubout", "-out",
                                   dir.file("p.pem")})
                  .exitCode,
              0);
    privatePem = testing::readFile(dir.file("k.pem"));
    publicPem = testing::readFile(dir.file("p.pem"));
  }
};

const char* kReport =
    R"({"resourceType":"DiagnosticReport","id":"r1","meta":{"versionId":"3"},"status":"final","subject":{"reference":"Patient/p1"},"conclusion":"x"})";
const char* kPdf =
    R"({"resourceType":"DocumentReference","content":[{"attachment":{"data":"JVBERi0xLjQK"}}]})";

TEST(ReportSignature, EcAndRsaKeysSignAndVerifyWhateverTheReferencesBecome) {
  for (const auto& algorithm : std::vector<std::vector<std::string>>{
           {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"},
           {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}}) {
    Keys keys(algorithm);
    auto report = json(kReport), pdf = json(kPdf);
    auto digests = reportDigests(report, pdf);
    EXPECT_EQ(digests.pdf, "e5c62df5dab5c87b6a015ef3d43597074d1eec433b15f51aec63b8582d0e4ab4");
    std::string jws = signReport(keys.privatePem, "PractitionerRole/e", "DiagnosticReport/r1",
                                 digests, 1795000000);
    // On the platform the report has another version and its subject another reference.
    auto travelled = json(
        R"({"resourceType":"DiagnosticReport","conclusion":"x","subject":{"reference":"Patient/9f2c"},"status":"final","id":"r1"})");
    EXPECT_EQ(verifyReport(jws, keys.publicPem, "PractitionerRole/e", "DiagnosticReport/r1",
                           reportDigests(travelled, pdf)),
              "");
    auto changed = json(R"({"resourceType":"DiagnosticReport","conclusion":"y","status":"final"})");
    EXPECT_EQ(verifyReport(jws, keys.publicPem, "PractitionerRole/e", "DiagnosticReport/r1",
                           reportDigests(changed, pdf)),
              "the report was changed after it was signed");
    EXPECT_EQ(
        verifyReport(jws, keys.publicPem, "PractitionerRole/x", "DiagnosticReport/r1", digests),
        "the signature is PractitionerRole/e's, not PractitionerRole/x's");
    EXPECT_EQ(
        verifyReport(jws, keys.publicPem, "PractitionerRole/e", "DiagnosticReport/r2", digests),
        "the signature is for DiagnosticReport/r1");
    std::string forged = jws;
    forged[forged.rfind('.') + 5] = forged[forged.rfind('.') + 5] == 'A' ? 'B' : 'A';
    EXPECT_EQ(
        verifyReport(forged, keys.publicPem, "PractitionerRole/e", "DiagnosticReport/r1", digests),
        "the signature does not verify with PractitionerRole/e's key");
  }
}

}  // namespace
}  // namespace medbridge::workflow
