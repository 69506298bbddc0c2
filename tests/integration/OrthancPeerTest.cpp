// medbridge as SCU against Orthanc (Debian's orthanc 1.10), which listens on every interface:
// ctest runs these tests inside a network namespace that has only loopback (tests/CMakeLists.txt)
// and they refuse to start Orthanc anywhere else. $fetch-images pulls a patient's studies by
// C-MOVE and by C-GET with compressed instances (JPEG-LS, JPEG 2000, JPEG) kept as Orthanc holds
// them; $send forwards a study to Orthanc with the PatientID coerced.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "tests/integration/DicomTestSupport.h"

namespace medbridge::testing {
namespace {

const std::string kPacsSystem = "urn:oid:1.2.156.112604.1.2.1.2";
const std::string kMrn = "urn:oid:1.2.156.112604.1.2.1.1";
const std::string kXywsyMrn = "urn:oid:1.2.156.112604.9.1.1";
const std::string kCtStudy = "1.2.826.0.1.3680043.9.7777.3.1";

// The network devices of this process's namespace (/proc/net/dev) are loopback alone.
bool onlyLoopback() {
  std::istringstream devices(readFile("/proc/net/dev"));
  std::string line;
  int interfaces = 0;
  bool loopback = false;
  while (std::getline(devices, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name =
        line.substr(line.find_first_not_of(' '), colon - line.find_first_not_of(' '));
    ++interfaces;
    loopback = loopback || name == "lo";
  }
  return interfaces == 1 && loopback;
}

class Orthanc : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(onlyLoopback())
        << "Orthanc listens on every interface: run these tests through ctest, which puts them "
           "in a network namespace with only loopback";
    orthancDicom = freeLoopbackPort();
    orthancHttp = freeLoopbackPort();
    // P100's studies in Orthanc: two uncompressed CT instances, an MR in JPEG-LS, an NM study
    // in JPEG 2000 and JPEG (Debian's pydicom files, their patient changed by dcmodify, which
    // leaves the compressed pixel data as it is).
    files = {makeInstance(dir, "ct1", ct(kCtStudy + ".1.1")),
             makeInstance(dir, "ct2", ct(kCtStudy + ".1.2"))};
    for (const char* name : {"MR_small_jpeg_ls_lossless", "JPEG2000", "JPEG-lossy"}) {
      std::string copy = dir.file(std::string(name) + ".dcm");
      std::filesystem::copy_file(kPydicomFiles + name + ".dcm", copy);
      CommandResult r = runCommand(
          {"dcmodify", "-nb", "-m", "(0010,0020)=P100", "-i", "(0010,0021)=ZJYY-PACS", copy});
      ASSERT_EQ(r.exitCode, 0) << r.err;
      files.push_back(copy);
    }
  }

  static std::string ct(const std::string& sop) {
    return "(0008,0016) UI [1.2.840.10008.5.1.4.1.1.2]\n(0008,0018) UI [" + sop +
           "]\n(0008,0020) DA [20261101]\n(0008,0060) CS [CT]\n(0010,0010) PN [Wang^Xiuying]\n"
           "(0010,0020) LO [P100]\n(0010,0021) LO [ZJYY-PACS]\n(0020,000d) UI [" +
           kCtStudy + "]\n(0020,000e) UI [" + kCtStudy + ".1]\n";
  }

  // A gateway whose ORTHANC peer retrieves by `method`, with Orthanc started for it.
  void startBoth(const std::string& method) {
    gw = std::make_unique<GatewayProcess>(
        gwDir.path(),
        std::vector<std::string>{"dicom.peers.ORTHANC.host=127.0.0.1",
                                 "dicom.peers.ORTHANC.port=" + std::to_string(orthancDicom),
                                 "dicom.peers.ORTHANC.retrieve=" + method,
                                 "dicom.peers.ORTHANC.patientIdSystem=" + kPacsSystem,
                                 "dicom.peers.XYWSY.host=127.0.0.1",
                                 "dicom.peers.XYWSY.port=" + std::to_string(orthancDicom),
                                 "dicom.peers.XYWSY.patientIdSystem=" + kXywsyMrn});
    gw->start();
    writeFile(dir.file("orthanc.json"),
              R"({"Name":"medbridge-test","StorageDirectory":")" + dir.file("storage") +
                  R"(","IndexDirectory":")" + dir.file("index") + R"(","HttpPort":)" +
                  std::to_string(orthancHttp) + R"(,"DicomPort":)" + std::to_string(orthancDicom) +
                  R"(,"DicomAet":"ORTHANC","RemoteAccessAllowed":false,)"
                  R"("AuthenticationEnabled":false,"DicomCheckCalledAet":false,)"
                  R"("SyncStorageArea":true,"StorageCompression":false,"Plugins":[],)"
                  R"("DicomModalities":{"medbridge":{"AET":"MEDBRIDGE","Host":"127.0.0.1",)"
                  R"("Port":)" +
                  std::to_string(gw->dicomPort()) + "}}}");
    orthanc = std::make_unique<PeerProcess>(
        std::vector<std::string>{"env", "TCP_NODELAY=1", "Orthanc", dir.file("orthanc.json")},
        dir.file("orthanc.log"));
    ASSERT_TRUE(waitForListener(orthancDicom, std::chrono::seconds(30)))
        << readFile(dir.file("orthanc.log"));
    for (const auto& [file, proposal] : {std::pair<std::string, std::string>{files[0], ""},
                                         {files[1], ""},
                                         {files[2], "-xt"},
                                         {files[3], "-xw"},
                                         {files[4], "-xx"}}) {
      std::vector<std::string> args{
          "-R", "-aec", "ORTHANC", "127.0.0.1", std::to_string(orthancDicom), file};
      if (!proposal.empty()) args.insert(args.begin(), proposal);
      CommandResult r = dcmtk("storescu", args);
      ASSERT_EQ(r.exitCode, 0) << file << r.out << r.err;
    }
    MllpClient his(gw->mllpPort());
    his.sendFrame(
        "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|O-1|P|2.5||||||"
        "UNICODE UTF-8\rPID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI~B1^^^XYWSY-HIS^MR||王^秀英||"
        "19491231|F\rPV1|1|O\r");
    EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
    ASSERT_TRUE(waitForQueueDrained(*gw, std::chrono::seconds(30)));
    auto [status, bundle] = httpGet(gw->httpPort(), "/fhir/Patient?identifier=" + kMrn + "%7CA1");
    ASSERT_EQ(status, 200);
    patient = bundle.substr(bundle.find(R"("resourceType":"Patient","id":")") + 31);
    patient = patient.substr(0, patient.find('"'));
  }

  HttpResult fetchAll() {
    return httpRequest(gw->httpPort(), "POST", "/fhir/Patient/" + patient + "/$fetch-images",
                       R"({"resourceType":"Parameters","parameter":[{"name":"peer",)"
                       R"("valueString":"ORTHANC"}]})",
                       {{"Content-Type", "application/fhir+json"}});
  }

  // Every instance arrived with the transfer syntax and pixel data Orthanc holds.
  void expectAllKeptAsSent() {
    auto rows = sqliteQuery(gw->dbPath(),
                            "SELECT sop_instance_uid, transfer_syntax_uid, file FROM"
                            " dicom_instances ORDER BY 1");
    ASSERT_EQ(rows.size(), files.size());
    for (const auto& sent : files) {
      std::string uid = attribute(sent, "0008,0018");
      uid = uid.substr(1, uid.size() - 2);
      auto row = std::find_if(rows.begin(), rows.end(), [&](auto& r) { return r[0] == uid; });
      ASSERT_NE(row, rows.end()) << uid;
      std::string ts = attribute(sent, "0002,0010");
      EXPECT_EQ(attribute((*row)[2], "0002,0010"), ts) << sent;
      EXPECT_EQ(pixelHash((*row)[2]), pixelHash(sent)) << sent;
    }
  }

  TempDir dir, gwDir;
  std::unique_ptr<GatewayProcess> gw;
  std::unique_ptr<PeerProcess> orthanc;
  int orthancDicom = 0, orthancHttp = 0;
  std::vector<std::string> files;
  std::string patient;
};

TEST_F(Orthanc, FetchByMoveKeepsCompressedInstancesAndSendCoercesThePatientId) {
  startBoth("move");
  auto fetched = fetchAll();
  EXPECT_EQ(fetched.status, 200) << fetched.body;
  EXPECT_NE(fetched.body.find(R"({"name":"instances","valueInteger":5})"), std::string::npos)
      << fetched.body;
  expectAllKeptAsSent();

  // The CT study sent on to "XYWSY" (the same Orthanc, standing in for the other hospital's
  // PACS): Orthanc files it under her XYWSY MRN.
  auto sent = httpRequest(gw->httpPort(), "POST", "/fhir/ImagingStudy/" + kCtStudy + "/$send",
                          R"({"resourceType":"Parameters","parameter":[{"name":"peer",)"
                          R"("valueString":"XYWSY"}]})",
                          {{"Content-Type", "application/fhir+json"}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  std::string found;
  ASSERT_TRUE(waitFor(
      [&] {
        found = httpRequest(orthancHttp, "POST", "/tools/find",
                            R"({"Level":"Patient","Query":{"PatientID":"B1"}})")
                    .body;
        return found.find('"') != std::string::npos;
      },
      std::chrono::seconds(30)))
      << gw->log();
}

TEST_F(Orthanc, FetchByGetKeepsCompressedInstances) {
  startBoth("get");
  auto fetched = fetchAll();
  EXPECT_EQ(fetched.status, 200) << fetched.body << gw->log();
  EXPECT_NE(fetched.body.find(R"({"name":"instances","valueInteger":5})"), std::string::npos)
      << fetched.body;
  expectAllKeptAsSent();
}

}  // namespace
}  // namespace medbridge::testing
