// Patient/{id}/$fetch-images with dcmtk's dcmqrscp as the hospital PACS: the patient's studies
// are found by C-FIND with the PACS's own PatientID (from the patient index), retrieved by C-MOVE
// (dcmqrscp sends them to medbridge's SCP) and by C-GET (same association), kept as sent and
// answered as ImagingStudy references, synchronously and asynchronously. (dcmqrscp can neither
// decode nor choose a context by transfer syntax, so its compressed instances do not travel;
// compressed retrievals are tested against medbridge's own SCP and Orthanc.)
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/DicomTestSupport.h"

namespace medbridge::testing {
namespace {

const std::string kPacsSystem = "urn:oid:1.2.156.112604.1.2.1.2";
const std::string kMrn = "urn:oid:1.2.156.112604.1.2.1.1";
const std::string kXywsyMrn = "urn:oid:1.2.156.112604.9.1.1";
const std::string kStudy1 = "1.2.826.0.1.3680043.9.7777.2.1",
                  kStudy2 = "1.2.826.0.1.3680043.9.7777.2.2";

std::string instance(const std::string& study, const std::string& sop, const std::string& date,
                     const std::string& modality) {
  return "(0008,0005) CS [ISO_IR 192]\n(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]\n"
         "(0008,0018) UI [" +
         sop + "]\n(0008,0020) DA [" + date + "]\n(0008,0060) CS [" + modality +
         "]\n(0010,0010) PN [Wang^Xiuying=王^秀英]\n(0010,0020) LO [P100]\n"
         "(0010,0021) LO [ZJYY-PACS]\n"
         "(0020,000d) UI [" +
         study + "]\n(0020,000e) UI [" + study + ".1]\n";
}

class DicomFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    pacsPort = freeLoopbackPort();
    std::vector<std::string> sets;
    for (const auto& [aet, method] :
         {std::pair<std::string, std::string>{"PACSMOVE", "move"}, {"PACSGET", "get"}}) {
      sets.push_back("dicom.peers." + aet + ".host=127.0.0.1");
      sets.push_back("dicom.peers." + aet + ".port=" + std::to_string(pacsPort));
      sets.push_back("dicom.peers." + aet + ".retrieve=" + method);
      sets.push_back("dicom.peers." + aet + ".patientIdSystem=" + kPacsSystem);
    }
    // Another hospital's PACS (dcmqrscp's AE OTHER) knows the patient by her XYWSY MRN; LATE
    // starts listening only after a study was sent to it.
    latePort = freeLoopbackPort();
    for (const auto& [aet, port] :
         {std::pair<std::string, int>{"OTHER", pacsPort}, {"LATE", latePort}}) {
      sets.push_back("dicom.peers." + aet + ".host=127.0.0.1");
      sets.push_back("dicom.peers." + aet + ".port=" + std::to_string(port));
      sets.push_back("dicom.peers." + aet + ".patientIdSystem=" + kXywsyMrn);
    }
    sets.push_back("workers.retryBaseSeconds=1");
    sets.push_back("dicom.peers.DOWN.host=127.0.0.1");
    sets.push_back("dicom.peers.DOWN.port=" + std::to_string(freeLoopbackPort()));
    sets.push_back("dicom.peers.DOWN.patientIdSystem=" + kPacsSystem);
    gw = std::make_unique<GatewayProcess>(dir.path(), sets);
    gw->start();
    // dcmqrscp: one storage area per AE title, medbridge in its host table for C-MOVE.
    for (const char* area : {"move", "get", "other", "late"})
      std::filesystem::create_directories(dir.file(area));
    writeFile(dir.file("dcmqrscp.cfg"),
              "NetworkTCPPort = " + std::to_string(pacsPort) +
                  "\nMaxPDUSize = 16384\nMaxAssociations = 16\nHostTable BEGIN\n"
                  "medbridge = (MEDBRIDGE, 127.0.0.1, " +
                  std::to_string(gw->dicomPort()) +
                  ")\nHostTable END\nVendorTable BEGIN\nVendorTable END\nAETable BEGIN\n"
                  "PACSMOVE " +
                  dir.file("move") + " RW (200, 1024mb) ANY\nPACSGET " + dir.file("get") +
                  " RW (200, 1024mb) ANY\nOTHER " + dir.file("other") +
                  " RW (200, 1024mb) ANY\nAETable END\n");
    pacs = std::make_unique<PeerProcess>(
        std::vector<std::string>{"env", "TCP_NODELAY=1", "dcmqrscp", "+xt", "-c",
                                 dir.file("dcmqrscp.cfg")},
        dir.file("dcmqrscp.log"));
    ASSERT_TRUE(waitForListener(pacsPort, std::chrono::seconds(10)));

    // Study 1: two CT instances in November's first days; study 2: one MR later.
    files = {makeInstance(dir, "s1a", instance(kStudy1, kStudy1 + ".1.1", "20261102", "CT")),
             makeInstance(dir, "s1b", instance(kStudy1, kStudy1 + ".1.2", "20261102", "CT")),
             makeInstance(dir, "s2", instance(kStudy2, kStudy2 + ".1.1", "20261120", "MR"))};
    for (const char* aet : {"PACSMOVE", "PACSGET"}) {
      std::vector<std::string> args{"-aec", aet, "127.0.0.1", std::to_string(pacsPort)};
      args.insert(args.end(), files.begin(), files.end());
      CommandResult r = dcmtk("storescu", args);
      ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    }
    // The HIS knows her by MRN and by the PACS's id; a second patient only by MRN.
    MllpClient his(gw->mllpPort());
    his.sendFrame(
        "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|F-1|P|2.5||||||"
        "UNICODE UTF-8\rPID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI~B1^^^XYWSY-HIS^MR||王^秀英||"
        "19491231|F\r"
        "PV1|1|O\r");
    EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
    his.sendFrame(
        "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|F-2|P|2.5||||||"
        "UNICODE UTF-8\rPID|1||A2^^^ZJYY-HIS^MR||李^四||19500101|M\rPV1|1|O\r");
    EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
    ASSERT_TRUE(waitForQueueDrained(*gw, std::chrono::seconds(30)));
    patient = patientId("A1");
    withoutPacsId = patientId("A2");
  }

  std::string patientId(const std::string& mrn) {
    auto [status, bundle] =
        httpGet(gw->httpPort(), "/fhir/Patient?identifier=" + kMrn + "%7C" + mrn);
    EXPECT_EQ(status, 200);
    std::string id = bundle.substr(bundle.find(R"("resourceType":"Patient","id":")") + 31);
    return id.substr(0, id.find('"'));
  }

  HttpResult fetch(const std::string& patientId, const std::string& parameters,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.push_back({"Content-Type", "application/fhir+json"});
    return httpRequest(gw->httpPort(), "POST", "/fhir/Patient/" + patientId + "/$fetch-images",
                       R"({"resourceType":"Parameters","parameter":[)" + parameters + "]}",
                       headers);
  }

  static std::string result(const std::vector<std::string>& studies, int instances) {
    std::string out = R"({"resourceType":"Parameters","parameter":[)";
    for (const auto& s : studies)
      out +=
          R"({"name":"imagingStudy","valueReference":{"reference":"ImagingStudy/)" + s + R"("}},)";
    return out + R"({"name":"instances","valueInteger":)" + std::to_string(instances) + "}]}";
  }

  TempDir dir;
  std::unique_ptr<GatewayProcess> gw;
  std::unique_ptr<PeerProcess> pacs;
  int pacsPort = 0, latePort = 0;
  std::vector<std::string> files;
  std::string patient, withoutPacsId;
};

TEST_F(DicomFetch, ByMoveWithinDatesThenByGetAsynchronouslyForOneModality) {
  auto moved = fetch(patient, R"({"name":"peer","valueString":"PACSMOVE"},)"
                              R"({"name":"start","valueDate":"2026-11-01"},)"
                              R"({"name":"end","valueDate":"2026-11-10"})");
  EXPECT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.body, result({kStudy1}, 2));
  auto [read, study1] = httpGet(gw->httpPort(), "/fhir/ImagingStudy/" + kStudy1);
  EXPECT_EQ(read, 200);
  EXPECT_NE(
      study1.find(R"("subject":{"reference":"Patient/)" + patient + R"(","display":"王秀英"})"),
      std::string::npos)
      << study1;
  EXPECT_NE(study1.find(R"("numberOfSeries":1,"numberOfInstances":2)"), std::string::npos);

  auto started = fetch(patient,
                       R"({"name":"peer","valueString":"PACSGET"},)"
                       R"({"name":"modality","valueCode":"MR"})",
                       {{"Prefer", "respond-async"}});
  ASSERT_EQ(started.status, 202) << started.body;
  std::string location = started.header("content-location");
  std::string prefix = "http://127.0.0.1:" + std::to_string(gw->httpPort());
  ASSERT_EQ(location.rfind(prefix + "/fhir/$fetch-images-status?job=", 0), 0u) << location;
  std::pair<int, std::string> status;
  ASSERT_TRUE(waitFor(
      [&] {
        status = httpGet(gw->httpPort(), location.substr(prefix.size()));
        return status.first != 202;
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(status.first, 200) << status.second;
  EXPECT_EQ(status.second, result({kStudy2}, 1));
  std::string study2 = httpGet(gw->httpPort(), "/fhir/ImagingStudy/" + kStudy2).second;
  CommandResult valid =
      runCommand({"node", peersDir() + "/validate-fhir.js"}, study1 + "\n" + study2 + "\n");
  EXPECT_EQ(valid.exitCode, 0) << valid.out;
  EXPECT_EQ(gw->terminate(), 0);

  // Kept as the PACS sent them, each instance linked to her master patient.
  std::string master =
      sqliteQuery(gw->dbPath(), "SELECT patient_id FROM mpi_identifiers WHERE value = 'A1'")[0][0];
  EXPECT_EQ(sqliteQuery(gw->dbPath(),
                        "SELECT sop_instance_uid, transfer_syntax_uid, calling_ae,"
                        " master_patient_id FROM dicom_instances ORDER BY 1"),
            (std::vector<std::vector<std::string>>{
                {kStudy1 + ".1.1", "1.2.840.10008.1.2.1", "PACSMOVE", master},
                {kStudy1 + ".1.2", "1.2.840.10008.1.2.1", "PACSMOVE", master},
                {kStudy2 + ".1.1", "1.2.840.10008.1.2.1", "PACSGET", master}}));
  std::string kept = keptFile(gw->dbPath(), kStudy2 + ".1.1");
  EXPECT_EQ(pixelHash(kept), pixelHash(files[2]));
}

TEST_F(DicomFetch, SentStudiesCarryTheReceiversPatientIdAndAreRetried) {
  ASSERT_EQ(fetch(patient, R"({"name":"peer","valueString":"PACSMOVE"})").status, 200);
  auto send = [&](const std::string& study, const std::string& peer) {
    return httpRequest(gw->httpPort(), "POST", "/fhir/ImagingStudy/" + study + "/$send",
                       R"({"resourceType":"Parameters","parameter":[{"name":"peer",)"
                       R"("valueString":")" +
                           peer + R"("}]})",
                       {{"Content-Type", "application/fhir+json"}});
  };
  auto sent = send(kStudy1, "OTHER");
  EXPECT_EQ(sent.status, 202) << sent.body;
  EXPECT_NE(sent.body.find(R"({"name":"queued","valueInteger":2})"), std::string::npos);
  // The other PACS files them under her XYWSY MRN, the ZJYY PACS id kept as another id.
  std::string stored;
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& f : std::filesystem::directory_iterator(dir.file("other")))
          if (f.path().filename().string().rfind("SC_", 0) == 0) stored = f.path().string();
        return !stored.empty();
      },
      std::chrono::seconds(20)))
      << gw->log() << readFile(dir.file("dcmqrscp.log"));
  CommandResult dump = runCommand({"dcmdump", "-q", stored});
  EXPECT_NE(dump.out.find("(0010,0020) LO [B1]"), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find("(0010,0021) LO [XYWSY-HIS]"), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find("(0010,1002) SQ"), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find("    (0010,0020) LO [P100]"), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find("    (0010,0021) LO [ZJYY-PACS]"), std::string::npos) << dump.out;

  // LATE is down: the forward waits in the outbox with its error, then goes once it listens.
  auto late = send(kStudy2, "LATE");
  ASSERT_EQ(late.status, 202) << late.body;
  std::string id = late.body.substr(late.body.find(R"("forward","valueString":")") + 25);
  id = id.substr(0, id.find('"'));
  auto state = [&] { return httpGet(gw->httpPort(), "/fhir/$send-status?forward=" + id).second; };
  ASSERT_TRUE(waitFor([&] { return state().find("MB-5002") != std::string::npos; },
                      std::chrono::seconds(20)))
      << state();
  EXPECT_NE(state().find(R"({"name":"state","valueCode":"ready"})"), std::string::npos);
  writeFile(dir.file("late.cfg"),
            "NetworkTCPPort = " + std::to_string(latePort) +
                "\nMaxPDUSize = 16384\nMaxAssociations = 16\nHostTable BEGIN\nHostTable END\n"
                "VendorTable BEGIN\nVendorTable END\nAETable BEGIN\nLATE " +
                dir.file("late") + " RW (200, 1024mb) ANY\nAETable END\n");
  PeerProcess latePacs({"env", "TCP_NODELAY=1", "dcmqrscp", "-c", dir.file("late.cfg")},
                       dir.file("late.log"));
  ASSERT_TRUE(waitFor([&] { return state().find(R"("valueCode":"done")") != std::string::npos; },
                      std::chrono::seconds(30)))
      << state();
  EXPECT_EQ(httpGet(gw->httpPort(), "/fhir/$send-status?forward=999").first, 404);
  EXPECT_EQ(send(kStudy2, "NOSUCH").status, 400);
}

TEST_F(DicomFetch, RefusalsAreOperationOutcomes) {
  auto noId = fetch(withoutPacsId, R"({"name":"peer","valueString":"PACSMOVE"})");
  EXPECT_EQ(noId.status, 422);
  EXPECT_NE(noId.body.find("MB-5004"), std::string::npos) << noId.body;
  auto unknown = fetch(patient, R"({"name":"peer","valueString":"NOSUCH"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("MB-5001 no such AE title in dicom.peers: NOSUCH"), std::string::npos)
      << unknown.body;
  auto down = fetch(patient, R"({"name":"peer","valueString":"DOWN"})");
  EXPECT_EQ(down.status, 502);
  EXPECT_NE(down.body.find("MB-5002"), std::string::npos) << down.body;
  auto several = fetch(patient, "");
  EXPECT_EQ(several.status, 400);
  EXPECT_NE(several.body.find("more than one PACS in dicom.peers"), std::string::npos);
  EXPECT_EQ(fetch("no-such-patient", R"({"name":"peer","valueString":"PACSMOVE"})").status, 404);
  EXPECT_EQ(httpGet(gw->httpPort(), "/fhir/Patient/" + patient + "/$fetch-images").first, 405);
  EXPECT_EQ(httpGet(gw->httpPort(), "/fhir/$fetch-images-status?job=99").first, 404);
  // C-ECHO through the admin route: the PACS answers, DOWN does not, NOSUCH is not a peer.
  EXPECT_EQ(httpGet(gw->httpPort(), "/admin/dicom-echo?peer=PACSMOVE"),
            (std::pair<int, std::string>{200, "{\"peer\":\"PACSMOVE\",\"echo\":\"ok\"}\n"}));
  auto echoDown = httpGet(gw->httpPort(), "/admin/dicom-echo?peer=DOWN");
  EXPECT_EQ(echoDown.first, 502);
  EXPECT_NE(echoDown.second.find("MB-5002 the DICOM peer cannot be associated with: DOWN"),
            std::string::npos)
      << echoDown.second;
  EXPECT_EQ(httpGet(gw->httpPort(), "/admin/dicom-echo?peer=NOSUCH").first, 404);
}

}  // namespace
}  // namespace medbridge::testing
