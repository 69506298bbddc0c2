// The DICOM SCP with dcmtk's own tools as the PACS: C-ECHO, C-STORE kept durably as received,
// the header's patient linked in the master patient index (the index's DICOM feed), GB18030
// names read into UTF-8, refusals that keep the SCP serving.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "tests/integration/DicomTestSupport.h"

namespace medbridge::testing {
namespace {

const std::string kStudy = "1.2.826.0.1.3680043.9.7777.1.1";
const std::string kPacsId = "urn:oid:1.2.156.112604.1.2.1.2";
const std::string kMrn = "urn:oid:1.2.156.112604.1.2.1.1";

std::string header(const std::string& sop, const std::string& charset, const std::string& name,
                   const std::string& study = kStudy) {
  std::string lines = "(0008,0005) CS [" + charset +
                      "]\n(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]\n(0008,0018) UI [" + sop +
                      "]\n(0008,0020) DA [20261123]\n(0008,0060) CS [OT]\n(0010,0010) PN [" + name +
                      "]\n(0010,0020) LO [P100]\n(0010,0021) LO [ZJYY-PACS]\n"
                      "(0010,0030) DA [19491231]\n(0010,0040) CS [F]\n"
                      "(0020,000e) UI [" +
                      kStudy + ".2]\n";
  if (!study.empty()) lines += "(0020,000d) UI [" + study + "]\n";
  return lines;
}

TEST(DicomStore, EchoStoreAndThePatientIndexFeed) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  std::string port = std::to_string(gw.dicomPort());
  // The HIS registered her with her MRN and the PACS id its PACS gives her.
  MllpClient his(gw.mllpPort());
  his.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|D-1|P|2.5||||||UNICODE "
      "UTF-8\rPID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英||19491231|F\rPV1|1|O\r");
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));

  MllpClient silent(gw.dicomPort());  // connects and says nothing: holds no one else up
  EXPECT_EQ(dcmtk("echoscu", {"-aec", "MEDBRIDGE", "127.0.0.1", port}).exitCode, 0);
  std::string utf8 =
      makeInstance(dir, "utf8", header(kStudy + ".1", "ISO_IR 192", "Wang^Xiuying=王^秀英"));
  // The same name written in GB18030 (王 CD F5, 秀 D0 E3, 英 D3 A2).
  std::string gb = makeInstance(
      dir, "gb", header(kStudy + ".3", "GB18030", "Wang^Xiuying=\xCD\xF5^\xD0\xE3\xD3\xA2"));
  // GBK, and ISO 2022 IR 58 (GB 2312 switched in by ESC $ ) A), as DCMTK decodes them.
  std::string gbk = makeInstance(
      dir, "gbk", header(kStudy + ".4", "GBK", "Wang^Xiuying=\xCD\xF5^\xD0\xE3\xD3\xA2"));
  std::string iso2022 =
      makeInstance(dir, "iso2022",
                   header(kStudy + ".5", "\\ISO 2022 IR 58",
                          "Wang^Xiuying=\x1B$)A\xCD\xF5^\x1B$)A\xD0\xE3\xD3\xA2"));
  CommandResult stored =
      dcmtk("storescu", {"-aec", "MEDBRIDGE", "127.0.0.1", port, utf8, gb, gbk, iso2022});
  EXPECT_EQ(stored.exitCode, 0) << stored.out << stored.err;
  // Sent again: the new copy replaces the first, whose file goes (checked below).
  EXPECT_EQ(dcmtk("storescu", {"-aec", "MEDBRIDGE", "127.0.0.1", port, gb}).exitCode, 0);

  // Refused without a trace: no Study Instance UID (0xC000); a wrong called AE title.
  std::string noStudy =
      makeInstance(dir, "nostudy", header(kStudy + ".9", "ISO_IR 192", "X^Y", ""));
  CommandResult refused =
      dcmtk("storescu", {"-v", "-aec", "MEDBRIDGE", "127.0.0.1", port, noStudy});
  EXPECT_NE(refused.exitCode, 0);
  EXPECT_NE((refused.out + refused.err).find("Received Store Response (Error: CannotUnderstand)"),
            std::string::npos)
      << "OUT:" << refused.out << "ERR:" << refused.err;
  CommandResult wrongAe = dcmtk("echoscu", {"-v", "-aec", "SOMEONE", "127.0.0.1", port});
  EXPECT_NE(wrongAe.exitCode, 0);
  EXPECT_NE((wrongAe.out + wrongAe.err).find("Called AE Title Not Recognized"), std::string::npos)
      << "OUT:" << wrongAe.out << "ERR:" << wrongAe.err;
  EXPECT_EQ(dcmtk("echoscu", {"-aec", "MEDBRIDGE", "127.0.0.1", port}).exitCode, 0)
      << "still serving";

  // PIXm from the MRN now also answers the PACS id (the DICOM header fed the same patient).
  auto [status, pix] =
      httpGet(gw.httpPort(), "/fhir/Patient/$ihe-pix?sourceIdentifier=" + kMrn + "%7CA1");
  EXPECT_EQ(status, 200);
  EXPECT_NE(pix.find(R"("system":")" + kPacsId + R"(","value":"P100")"), std::string::npos) << pix;
  EXPECT_EQ(gw.terminate(), 0);

  std::string db = gw.dbPath();
  auto rows = sqliteQuery(db,
                          "SELECT sop_instance_uid, patient_name, patient_id, issuer_of_patient_id,"
                          " calling_ae, master_patient_id FROM dicom_instances ORDER BY 1");
  std::string master =
      sqliteQuery(db, "SELECT patient_id FROM mpi_identifiers WHERE value = 'A1'")[0][0];
  EXPECT_EQ(rows,
            (std::vector<std::vector<std::string>>{
                {kStudy + ".1", "Wang^Xiuying=王^秀英", "P100", "ZJYY-PACS", "STORESCU", master},
                {kStudy + ".3", "Wang^Xiuying=王^秀英", "P100", "ZJYY-PACS", "STORESCU", master},
                {kStudy + ".4", "Wang^Xiuying=王^秀英", "P100", "ZJYY-PACS", "STORESCU", master},
                {kStudy + ".5", "Wang^Xiuying=王^秀英", "P100", "ZJYY-PACS", "STORESCU", master}}));
  // Kept as received: the stored file's data set is the one sent.
  std::string kept = keptFile(db, kStudy + ".3");
  CommandResult sent = runCommand({"dcmdump", "-q", "+P", "0010,0010", gb});
  CommandResult got = runCommand({"dcmdump", "-q", "+P", "0010,0010", kept});
  EXPECT_EQ(got.out, sent.out);
  EXPECT_EQ(readFile(kept).substr(readFile(kept).size() - 200),
            readFile(gb).substr(readFile(gb).size() - 200));
  EXPECT_EQ(unindexedFiles(dir.path() + "/data", db), std::vector<std::string>{}) << "leftovers";
  EXPECT_EQ(sqliteQuery(db, "SELECT COUNT(*) FROM dicom_instances WHERE sop_instance_uid = '" +
                                kStudy + ".9'")[0][0],
            "0");
}

// A study's instance: the study, series and instance parts vary, the rest is fixed.
std::string studyInstance(const std::string& series, const std::string& seriesNumber,
                          const std::string& modality, const std::string& sop,
                          const std::string& number) {
  return "(0008,0005) CS [ISO_IR 192]\n(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]\n"
         "(0008,0018) UI [" +
         sop +
         "]\n(0008,0020) DA [20261123]\n(0008,0030) TM [093015]\n"
         "(0008,0050) SH [ACC-77]\n(0008,0060) CS [" +
         modality +
         "]\n"
         "(0008,0090) PN [Li^Lei=李^雷]\n(0008,1030) LO [胸部 CT]\n(0008,103e) LO [Series " +
         seriesNumber +
         "]\n(0010,0010) PN [Wang^Xiuying=王^秀英]\n(0010,0020) LO [P100]\n"
         "(0010,0021) LO [ZJYY-PACS]\n(0020,000d) UI [" +
         kStudy + "]\n(0020,000e) UI [" + series + "]\n(0020,0011) IS [" + seriesNumber +
         "]\n(0020,0013) IS [" + number + "]\n";
}

TEST(DicomStore, StableStudiesBecomeImagingStudies) {
  TempDir dir;
  GatewayProcess gw(dir.path(), {"dicom.stableSeconds=1"});
  gw.start();
  std::string port = std::to_string(gw.dicomPort());
  MllpClient his(gw.mllpPort());
  his.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|D-2|P|2.5||||||UNICODE "
      "UTF-8\rPID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英||19491231|F\rPV1|1|O\r");
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));
  auto [found, bundle] = httpGet(gw.httpPort(), "/fhir/Patient?identifier=" + kMrn + "%7CA1");
  ASSERT_EQ(found, 200);
  std::string patient = bundle.substr(bundle.find(R"("resourceType":"Patient","id":")") + 31);
  patient = patient.substr(0, patient.find('"'));

  const std::string series1 = kStudy + ".10", series2 = kStudy + ".20";
  std::vector<std::string> files = {
      makeInstance(dir, "i2", studyInstance(series1, "1", "CT", series1 + ".2", "2")),
      makeInstance(dir, "i1", studyInstance(series1, "1", "CT", series1 + ".1", "1"))};
  std::vector<std::string> args{"-aec", "MEDBRIDGE", "127.0.0.1", port};
  args.insert(args.end(), files.begin(), files.end());
  ASSERT_EQ(dcmtk("storescu", args).exitCode, 0);
  auto version = [&](const std::string& v) {
    std::string body;
    bool ok = waitFor(
        [&] {
          body = httpGet(gw.httpPort(), "/fhir/ImagingStudy/" + kStudy).second;
          return body.find(R"("versionId":")" + v + '"') != std::string::npos;
        },
        std::chrono::seconds(20));
    EXPECT_TRUE(ok) << body;
    return body;
  };
  std::string study = version("1");
  auto withoutMeta = [](std::string json) {
    std::size_t meta = json.find(R"("meta":{)");
    return json.erase(meta, json.find('}', meta) + 2 - meta);
  };
  const std::string head =
      R"({"resourceType":"ImagingStudy","id":")" + kStudy +
      R"(","identifier":[{"system":"urn:dicom:uid","value":"urn:oid:)" + kStudy +
      R"("},{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203",)"
      R"("code":"ACSN"}]},"value":"ACC-77"}],"status":"available","modality":[{"system":)"
      R"("http://dicom.nema.org/resources/ontology/DCM","code":"CT"}],"subject":{"reference":)"
      R"("Patient/)" +
      patient +
      R"(","display":"王秀英"},"started":"2026-11-23T09:30:15+08:00",)"
      R"("referrer":{"display":"李雷"},"endpoint":[{"reference":"Endpoint/medbridge-dicomweb"}],)";
  auto seriesJson = [&](const std::string& uid, const std::string& number,
                        const std::string& modality, const std::vector<std::string>& sops) {
    std::string out = R"({"uid":")" + uid + R"(","number":)" + number +
                      R"(,"modality":{"system":"http://dicom.nema.org/resources/ontology/DCM",)"
                      R"("code":")" +
                      modality + R"("},"description":"Series )" + number +
                      R"(","numberOfInstances":)" + std::to_string(sops.size()) +
                      R"(,"instance":[)";
    for (std::size_t i = 0; i < sops.size(); ++i)
      out += std::string(i ? "," : "") + R"({"uid":")" + sops[i] +
             R"(","sopClass":{"system":"urn:ietf:rfc:3986","code":)"
             R"("urn:oid:1.2.840.10008.5.1.4.1.1.7"},"number":)" +
             std::to_string(i + 1) + "}";
    return out + "]}";
  };
  EXPECT_EQ(withoutMeta(study),
            head +
                R"("numberOfSeries":1,"numberOfInstances":2,"description":"胸部 CT","series":[)" +
                seriesJson(series1, "1", "CT", {series1 + ".1", series1 + ".2"}) + "]}");

  // A late instance in a new series: the same resource, next version.
  ASSERT_EQ(dcmtk("storescu",
                  {"-aec", "MEDBRIDGE", "127.0.0.1", port,
                   makeInstance(dir, "i3", studyInstance(series2, "2", "SR", series2 + ".1", "1"))})
                .exitCode,
            0);
  study = version("2");
  std::string late = withoutMeta(study);
  EXPECT_NE(late.find(R"("modality":[{"system":"http://dicom.nema.org/resources/ontology/DCM",)"
                      R"("code":"CT"},{"system":"http://dicom.nema.org/resources/ontology/DCM",)"
                      R"("code":"SR"}])"),
            std::string::npos)
      << late;
  EXPECT_NE(late.find(R"("numberOfSeries":2,"numberOfInstances":3,"description":"胸部 CT",)"
                      R"("series":[)" +
                      seriesJson(series1, "1", "CT", {series1 + ".1", series1 + ".2"}) + "," +
                      seriesJson(series2, "2", "SR", {series2 + ".1"}) + "]}"),
            std::string::npos)
      << late;
  auto [searched, byPatient] =
      httpGet(gw.httpPort(), "/fhir/ImagingStudy?patient=Patient/" + patient);
  EXPECT_EQ(searched, 200);
  EXPECT_NE(byPatient.find(R"("total":1)"), std::string::npos) << byPatient;
  std::string endpoint = httpGet(gw.httpPort(), "/fhir/Endpoint/medbridge-dicomweb").second;
  EXPECT_NE(endpoint.find(R"("address":"http://127.0.0.1:)" + std::to_string(gw.httpPort()) +
                          R"(/dicomweb")"),
            std::string::npos)
      << endpoint;
  CommandResult valid =
      runCommand({"node", peersDir() + "/validate-fhir.js"}, study + "\n" + endpoint + "\n");
  EXPECT_EQ(valid.exitCode, 0) << valid.out;
  EXPECT_EQ(gw.terminate(), 0);
}

TEST(DicomStore, KnownPeersOnlyChecksCallingAeAndHost) {
  TempDir dir;
  GatewayProcess gw(dir.path(), {"dicom.knownPeersOnly=true", "dicom.peers.WS1.host=127.0.0.1",
                                 "dicom.peers.FAR.host=10.9.9.9"});
  gw.start();
  std::string port = std::to_string(gw.dicomPort());
  EXPECT_EQ(dcmtk("echoscu", {"-aet", "WS1", "-aec", "MEDBRIDGE", "127.0.0.1", port}).exitCode, 0);
  for (const char* stranger : {"OTHER", "FAR"}) {
    CommandResult r =
        dcmtk("echoscu", {"-v", "-aet", stranger, "-aec", "MEDBRIDGE", "127.0.0.1", port});
    EXPECT_NE(r.exitCode, 0) << stranger;
    EXPECT_NE(r.err.find("Calling AE Title Not Recognized"), std::string::npos) << r.err;
  }
  EXPECT_EQ(gw.terminate(), 0);
  std::string log = gw.log();
  EXPECT_NE(log.find("calling AE title 'OTHER' (from 127.0.0.1) is not a peer"), std::string::npos)
      << log;
  EXPECT_NE(log.find("'FAR' called from 127.0.0.1, not from its host 10.9.9.9"), std::string::npos)
      << log;
}

// Forwards one connection to the gateway and cuts it after `limit` bytes from the client: an
// association that dies in the middle of an instance.
class CuttingProxy {
 public:
  CuttingProxy(int target, std::size_t limit) : target_(target), limit_(limit) {
    listen_ = listenOnLoopback(port_);
    thread_ = std::thread([this] { run(); });
  }
  ~CuttingProxy() {
    thread_.join();
    ::close(listen_);
  }
  int port() const { return port_; }

 private:
  void run() {
    int client = ::accept(listen_, nullptr, nullptr);
    int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(target_));
    ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a);
    std::size_t forwarded = 0;
    char buf[4096];
    while (forwarded < limit_) {
      pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (::poll(fds, 2, 5000) <= 0) break;
      if (fds[0].revents) {
        ssize_t n = ::read(client, buf, std::min(sizeof buf, limit_ - forwarded));
        if (n <= 0 || ::write(server, buf, n) != n) break;
        forwarded += static_cast<std::size_t>(n);
      }
      if (fds[1].revents) {
        ssize_t n = ::read(server, buf, sizeof buf);
        if (n <= 0 || ::write(client, buf, n) != n) break;
      }
    }
    ::close(client);
    ::close(server);
  }

  int target_;
  std::size_t limit_;
  int listen_ = -1, port_ = 0;
  std::thread thread_;
};

TEST(DicomStore, CutAssociationsAndUnservedSopClassesStoreNothing) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  std::string port = std::to_string(gw.dicomPort());
  const std::string ct = kPydicomFiles + "CT_small.dcm";
  {
    CuttingProxy proxy(gw.dicomPort(), 20000);  // CT_small is ~39 KB
    CommandResult cut =
        dcmtk("storescu", {"-aec", "MEDBRIDGE", "127.0.0.1", std::to_string(proxy.port()), ct});
    EXPECT_NE(cut.exitCode, 0);
  }
  // A SOP class medbridge does not serve (modality worklist): no context, association rejected.
  CommandResult unknown =
      dcmtk("findscu", {"-v", "-W", "-aec", "MEDBRIDGE", "-k", "0010,0010=*", "127.0.0.1", port});
  EXPECT_NE(unknown.exitCode, 0);
  EXPECT_NE(unknown.err.find("Association Rejected"), std::string::npos) << unknown.err;
  CommandResult again = dcmtk("storescu", {"-aec", "MEDBRIDGE", "127.0.0.1", port, ct});
  EXPECT_EQ(again.exitCode, 0) << again.out << again.err;
  EXPECT_EQ(gw.terminate(), 0);
  // The cut transfer left nothing behind.
  EXPECT_EQ(unindexedFiles(dir.path() + "/data", gw.dbPath()), std::vector<std::string>{});
  EXPECT_EQ(
      sqliteQuery(gw.dbPath(), "SELECT sop_instance_uid FROM dicom_instances"),
      (std::vector<std::vector<std::string>>{{"1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322"}}));
}

}  // namespace
}  // namespace medbridge::testing
