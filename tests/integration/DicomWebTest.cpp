// DICOMweb with npm's dicomweb-client (dcmjs-org, over xhr2) as the client: STOW-RS of real
// files (Chinese names in UTF-8 and GB18030, a CT, a JPEG 2000 NM), QIDO-RS with Chinese
// wildcards, paging and includefield, WADO-RS of the bytes as stored and of metadata, refusals.
#include <gtest/gtest.h>

#include "tests/integration/DicomTestSupport.h"

namespace medbridge::testing {
namespace {

const std::string kCtStudy = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322";
const std::string kCtSeries = "1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322";
const std::string kCtSop = "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322";
const std::string kJ2kStudy = "1.3.6.1.4.1.5962.1.2.8.20040826185059.5457";
const std::string kJ2kSop = "1.3.6.1.4.1.5962.1.1.8.1.3.20040826185059.5457";

class DicomWeb : public ::testing::Test {
 protected:
  void SetUp() override {
    gw = std::make_unique<GatewayProcess>(dir.path());
    gw->start();
    base = "http://127.0.0.1:" + std::to_string(gw->httpPort()) + "/dicomweb";
  }
  CommandResult client(std::vector<std::string> args) {
    std::vector<std::string> argv{"node", peersDir() + "/dicomweb.js", base};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv);
  }
  int count(const std::string& json, const std::string& needle) {
    int n = 0;
    for (auto at = json.find(needle); at != std::string::npos; at = json.find(needle, at + 1)) ++n;
    return n;
  }

  TempDir dir;
  std::unique_ptr<GatewayProcess> gw;
  std::string base;
};

TEST_F(DicomWeb, StoreSearchAndRetrieveWithDicomwebClient) {
  const std::string ct = kPydicomFiles + "CT_small.dcm", j2k = kPydicomFiles + "JPEG2000.dcm";
  CommandResult stored =
      client({"store", kPydicomCharsets + "chrX1.dcm", kPydicomCharsets + "chrX2.dcm", ct, j2k});
  ASSERT_EQ(stored.exitCode, 0) << stored.out << stored.err;
  EXPECT_EQ(sqliteQuery(gw->dbPath(), "SELECT COUNT(*), MIN(calling_ae) FROM dicom_instances"),
            (std::vector<std::vector<std::string>>{{"4", "STOW-RS"}}));

  // QIDO-RS: 王* (percent-encoded by the client) finds both Chinese-name studies.
  CommandResult wang = client({"studies", "PatientName=王*", "includefield=PatientID"});
  ASSERT_EQ(wang.exitCode, 0) << wang.out << wang.err;
  EXPECT_EQ(count(wang.out, R"("0020000D":)"), 2) << wang.out;
  EXPECT_NE(wang.out.find(R"("00100010":{"vr":"PN","Value":[{"Alphabetic":"Wang^XiaoDong",)"
                          R"("Ideographic":"王^小东"}]})"),
            std::string::npos)
      << wang.out;
  EXPECT_NE(wang.out.find(R"("00081190":{"vr":"UR","Value":[")" + base +
                          "/studies/1.3.6.1.4.1.5962.1.2.0.1175775771.5714.0\"]}"),
            std::string::npos)
      << wang.out;
  EXPECT_NE(wang.out.find(R"("00201208":{"vr":"IS","Value":[1]})"), std::string::npos)
      << "counts are numbers in DICOM JSON: " << wang.out;
  CommandResult all = client({"studies"});
  EXPECT_EQ(count(all.out, R"("0020000D":)"), 4) << all.out;
  CommandResult page = client({"studies", "limit=2", "offset=3"});
  EXPECT_EQ(count(page.out, R"("0020000D":)"), 1) << page.out;
  CommandResult series = client({"series", kCtStudy, "Modality=CT"});
  EXPECT_NE(series.out.find(kCtSeries), std::string::npos) << series.out;
  CommandResult instances = client({"instances", kCtStudy, kCtSeries, "includefield=all"});
  EXPECT_NE(instances.out.find(R"("00080070":{"vr":"LO","Value":["GE MEDICAL SYSTEMS"]})"),
            std::string::npos)
      << instances.out;

  // WADO-RS: the instance as stored (the bytes STOW-RS received) and the study's metadata.
  CommandResult got = client({"instance", kJ2kStudy, "1.3.6.1.4.1.5962.1.3.8.1.20040826185059.5457",
                              kJ2kSop, dir.file("j2k-back.dcm")});
  ASSERT_EQ(got.exitCode, 0) << got.out << got.err;
  EXPECT_EQ(core::sha256Hex(readFile(dir.file("j2k-back.dcm"))), core::sha256Hex(readFile(j2k)));
  CommandResult metadata = client({"metadata", kCtStudy});
  EXPECT_EQ(count(metadata.out, R"("00080018":{"vr":"UI","Value":[")" + kCtSop), 1) << metadata.out;
}

TEST_F(DicomWeb, RefusalsSaySo) {
  auto post = [&](const std::string& path, const std::string& type, const std::string& body) {
    return httpRequest(gw->httpPort(), "POST", "/dicomweb" + path, body, {{"Content-Type", type}});
  };
  const std::string multipart = R"(multipart/related; type="application/dicom"; boundary=XyZ)";
  auto notDicom = post("/studies", multipart,
                       "--XyZ\r\nContent-Type: application/dicom\r\n\r\nnot dicom\r\n--XyZ--\r\n");
  EXPECT_EQ(notDicom.status, 409) << notDicom.body;
  EXPECT_EQ(notDicom.body,
            R"({"00081198":{"vr":"SQ","Value":[{"00081150":{"vr":"UI","Value":[""]},)"
            R"("00081155":{"vr":"UI","Value":[""]},"00081197":{"vr":"US","Value":[49152]}}]}})");
  std::string ct = readFile(kPydicomFiles + "CT_small.dcm");
  auto otherStudy =
      post("/studies/1.2.3", multipart,
           "--XyZ\r\nContent-Type: application/dicom\r\n\r\n" + ct + "\r\n--XyZ--\r\n");
  EXPECT_EQ(otherStudy.status, 409);
  EXPECT_NE(otherStudy.body.find(R"("00081197":{"vr":"US","Value":[43264]})"), std::string::npos)
      << otherStudy.body;
  EXPECT_EQ(post("/studies", "application/json", "{}").status, 415);
  EXPECT_EQ(httpGet(gw->httpPort(), "/dicomweb/studies?NoSuchKeyword=1").first, 400);
  EXPECT_EQ(httpGet(gw->httpPort(), "/dicomweb/studies/1.2.3").first, 404);
  EXPECT_EQ(httpRequest(gw->httpPort(), "DELETE", "/dicomweb/studies/1.2.3").status, 405);
  EXPECT_EQ(gw->terminate(), 0);
  EXPECT_EQ(sqliteQuery(gw->dbPath(), "SELECT COUNT(*) FROM dicom_instances")[0][0], "0");
}

}  // namespace
}  // namespace medbridge::testing
