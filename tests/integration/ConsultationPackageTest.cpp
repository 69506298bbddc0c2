// The consult package between three medbridge instances and a PACS (dcmtk's dcmqrscp): the
// county hospital's HIS registers the patient over MLLP; on submit the county gateway fetches her
// studies from the PACS (C-MOVE), adds her recent records to the application, sends the records
// through the platform and every image instance by C-STORE from its durable outbox to the
// tertiary hospital's gateway; the platform passes the application, its records and the patient
// on to the tertiary hospital ahead of the Task, and the tertiary gateway serves the images by
// WADO-RS with the PACS's SOP Instance UIDs and pixel data.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/ConsultationSupport.h"
#include "tests/integration/DicomTestSupport.h"

namespace medbridge::testing {
namespace {

const std::string kStudy = "1.2.826.0.1.3680043.9.7777.5.1";
const std::string kPacsSystem = "urn:oid:1.2.156.112604.1.2.1.2";

std::string instance(const std::string& sop, const std::string& date) {
  return "(0008,0005) CS [ISO_IR 192]\n(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]\n"
         "(0008,0018) UI [" +
         sop + "]\n(0008,0020) DA [" + date +
         "]\n(0008,0060) CS [CT]\n(0010,0010) PN [Wang^Xiuying=王^秀英]\n"
         "(0010,0020) LO [P100]\n(0010,0021) LO [ZJYY-PACS]\n(0020,000d) UI [" +
         kStudy + "]\n(0020,000e) UI [" + kStudy + ".1]\n";
}

std::string pending(const GatewayProcess& g) {
  return sqliteQuery(g.dbPath(), "SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")[0][0];
}

struct PackageRegion {
  int platformPort = freeLoopbackPort(), pacsPort = freeLoopbackPort();
  TempDir countyDir, tertiaryDir, pacsDir;
  std::unique_ptr<GatewayProcess> county, tertiary;
  std::unique_ptr<WorkflowPlatform> platform;
  std::unique_ptr<PeerProcess> pacs;
  std::vector<std::string> files;

  PackageRegion() {
    std::string platformUrl = "http://127.0.0.1:" + std::to_string(platformPort) + "/fhir";
    tertiary = std::make_unique<GatewayProcess>(
        tertiaryDir.path(),
        std::vector<std::string>{"regional.urls=" + platformUrl, "regional.resourceTypes=Patient",
                                 "dicom.aet=TERTIARY", "dicom.stableSeconds=1"});
    tertiary->start();
    county = std::make_unique<GatewayProcess>(
        countyDir.path(),
        std::vector<std::string>{
            "regional.urls=" + platformUrl,
            "regional.resourceTypes=Patient,Encounter,ServiceRequest,DocumentReference,Consent,"
            "ImagingStudy",
            "workers.retryBaseSeconds=1", "dicom.peers.PACS.host=127.0.0.1",
            "dicom.peers.PACS.port=" + std::to_string(pacsPort),
            "dicom.peers.PACS.patientIdSystem=" + kPacsSystem,
            "dicom.peers.TERTIARY.host=127.0.0.1",
            "dicom.peers.TERTIARY.port=" + std::to_string(tertiary->dicomPort()),
            "workflow.package.pacs=PACS", "workflow.package.imageDestinations.tertiary=TERTIARY",
            "workflow.package.lookbackDays=30"});
    county->start();
    platform = std::make_unique<WorkflowPlatform>(std::vector<std::string>{
        "http.port=" + std::to_string(platformPort),
        "platform.hospitals.county.urls=" + inbound(*county),
        "platform.hospitals.tertiary.urls=" + inbound(*tertiary), "workers.retryBaseSeconds=1"});

    // The PACS: dcmqrscp with the county gateway in its host table for C-MOVE; one study of two
    // instances this month and one instance of last year (outside the look-back).
    std::filesystem::create_directories(pacsDir.file("pacs"));
    writeFile(pacsDir.file("dcmqrscp.cfg"),
              "NetworkTCPPort = " + std::to_string(pacsPort) +
                  "\nMaxPDUSize = 16384\nMaxAssociations = 16\nHostTable BEGIN\n"
                  "medbridge = (MEDBRIDGE, 127.0.0.1, " +
                  std::to_string(county->dicomPort()) +
                  ")\nHostTable END\nVendorTable BEGIN\nVendorTable END\nAETable BEGIN\nPACS " +
                  pacsDir.file("pacs") + " RW (200, 1024mb) ANY\nAETable END\n");
    pacs = std::make_unique<PeerProcess>(
        std::vector<std::string>{"env", "TCP_NODELAY=1", "dcmqrscp", "+xt", "-c",
                                 pacsDir.file("dcmqrscp.cfg")},
        pacsDir.file("dcmqrscp.log"));
    EXPECT_TRUE(waitForListener(pacsPort, std::chrono::seconds(10)));
    files = {makeInstance(pacsDir, "a", instance(kStudy + ".1.1", "20261120")),
             makeInstance(pacsDir, "b", instance(kStudy + ".1.2", "20261120"))};
    std::vector<std::string> args{"-aec", "PACS", "127.0.0.1", std::to_string(pacsPort)};
    args.insert(args.end(), files.begin(), files.end());
    CommandResult stored = dcmtk("storescu", args);
    EXPECT_EQ(stored.exitCode, 0) << stored.out << stored.err;
  }
  static std::string inbound(const GatewayProcess& g) {
    return "http://127.0.0.1:" + std::to_string(g.httpPort()) + "/regional/inbound";
  }
  HttpResult putAtCounty(const std::string& path, const std::string& body) {
    return httpRequest(county->httpPort(), "PUT", "/fhir/" + path, body, kFhirJson);
  }
};

std::string replace(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

TEST(ConsultationPackage, RecordsAndImagesReachTheInvitedHospitalOnSubmit) {
  PackageRegion r;
  r.platform->setClock("2026-11-24T01:00:00Z");
  // The HIS registers the patient: her MRN, the PACS's id and her national ID.
  MllpClient his(r.county->mllpPort());
  his.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|PK-1|P|2.5||||||"
      "UNICODE UTF-8\rPID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英||19491231|F\r"
      "PV1|1|O\r");
  ASSERT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  ASSERT_TRUE(waitForQueueDrained(*r.county, std::chrono::seconds(30)));
  auto [status, found] =
      httpGet(r.county->httpPort(), "/fhir/Patient?identifier=urn:oid:1.2.156.112604.1.2.1.1%7CA1");
  ASSERT_EQ(status, 200);
  std::string local = found.substr(found.find(R"("resourceType":"Patient","id":")") + 31);
  local = local.substr(0, local.find('"'));

  // The application with its consent; a recent record and an old one in the county's store.
  std::string subject = "Patient/" + local;
  ASSERT_EQ(
      r.putAtCounty(
           "DocumentReference/note",
           R"({"resourceType":"DocumentReference","id":"note","status":"current","subject":{"reference":")" +
               subject +
               R"("},"date":"2026-11-22T09:00:00+08:00","content":[{"attachment":{"contentType":"text/plain","title":"入院记录"}}]})")
          .status,
      201);
  ASSERT_EQ(
      r.putAtCounty(
           "DocumentReference/old",
           R"({"resourceType":"DocumentReference","id":"old","status":"current","subject":{"reference":")" +
               subject +
               R"("},"date":"2025-01-10T09:00:00+08:00","content":[{"attachment":{"contentType":"text/plain","title":"旧病历"}}]})")
          .status,
      201);
  ASSERT_EQ(
      r.putAtCounty(
           "Consent/pk-consent",
           replace(
               R"({"resourceType":"Consent","id":"pk-consent","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"treatment"}]},"category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"Patient/p1"},"dateTime":"2026-11-24T08:30:00+08:00","sourceAttachment":{"contentType":"application/pdf","title":"远程会诊知情同意书"}})",
               "Patient/p1", subject))
          .status,
      201);
  std::string request = replace(serviceRequest("pk", "regular"), "Patient/p1", subject);
  request = replace(request, R"({"reference":"DocumentReference/d1"},)", "");
  request = replace(request, "Consent/consent1", "Consent/pk-consent");
  ASSERT_EQ(r.putAtCounty("ServiceRequest/pk", request).status, 201);
  ASSERT_TRUE(waitFor([&] { return pending(*r.county) == "0"; }, std::chrono::seconds(30)));

  // The Task about the county's Patient is proposed about the platform's.
  auto created = r.putAtCounty("Task/pk", replace(newTask("pk", "pk"), "Patient/p1", subject));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string platformPatient = field(parsed(created.body)["for"], "reference");
  EXPECT_NE(platformPatient, subject);
  EXPECT_EQ(field(r.platform->read(platformPatient)["identifier"][0], "value"), "A1");
  for (auto [business, who] : std::vector<std::pair<std::string, std::string>>{
           {"department-head-signed", "PractitionerRole/head"},
           {"medical-affairs-approved", "PractitionerRole/office"},
           {"fee-paid", "PractitionerRole/office"}})
    ASSERT_EQ(moveTask(r.county->httpPort(), "pk", "draft", business, who).status, 200);
  auto submitted =
      moveTask(r.county->httpPort(), "pk", "requested", "submitted", "PractitionerRole/doc");
  ASSERT_EQ(submitted.status, 200) << submitted.body << r.county->log();

  // The application gained the recent records (the HIS's visit, the note) and the fetched
  // study, on the platform too; the old note stayed out.
  auto onPlatform = r.platform->read("ServiceRequest/pk");
  std::vector<std::string> info;
  for (const auto& s : onPlatform["supportingInfo"].GetArray())
    info.push_back(field(s, "reference"));
  ASSERT_EQ(info.size(), 4u);
  std::string encounter = info[1];
  EXPECT_EQ(encounter.rfind("Encounter/", 0), 0u) << encounter;
  EXPECT_EQ(info, (std::vector<std::string>{"Consent/pk-consent", encounter,
                                            "DocumentReference/note", "ImagingStudy/" + kStudy}));
  EXPECT_EQ(field(onPlatform["subject"], "reference"), platformPatient);

  // The tertiary hospital has the application, its records and the patient, sent ahead of the
  // Task version that submits it.
  ASSERT_TRUE(waitFor(
      [&] {
        auto rows =
            sqliteQuery(r.tertiary->dbPath(),
                        "SELECT version_id FROM replicas WHERE type = 'Task' AND id = 'pk'");
        return !rows.empty() && rows[0][0] == "5";
      },
      std::chrono::seconds(30)))
      << r.platform->gateway().log();
  for (const auto& path : {std::string("ServiceRequest/pk"), std::string("DocumentReference/note"),
                           std::string("Consent/pk-consent"), encounter, platformPatient}) {
    auto [code, body] = httpGet(r.tertiary->httpPort(), "/fhir/" + path);
    EXPECT_EQ(code, 200) << path << ": " << body;
  }
  EXPECT_EQ(httpGet(r.tertiary->httpPort(), "/fhir/DocumentReference/old").first, 404);
  auto platformDb = r.platform->gateway().dbPath();
  auto package = sqliteQuery(platformDb,
                             "SELECT COUNT(*), MAX(id) FROM deliveries WHERE destination = "
                             "'tertiary' AND resource_type <> 'Task'")[0];
  EXPECT_EQ(package[0], "5");
  auto submitting = sqliteQuery(platformDb,
                                "SELECT id FROM deliveries WHERE destination = 'tertiary' AND "
                                "resource_type = 'Task' AND version = 5")[0][0];
  EXPECT_LT(std::stoll(package[1]), std::stoll(submitting));

  // Every image instance reached the tertiary gateway; its ImagingStudy points at its own
  // DICOMweb, which serves the PACS's instances: same SOP Instance UIDs, same pixel data.
  ASSERT_TRUE(waitFor(
      [&] { return httpGet(r.tertiary->httpPort(), "/fhir/ImagingStudy/" + kStudy).first == 200; },
      std::chrono::seconds(30)))
      << r.county->log();
  auto study = parsed(httpGet(r.tertiary->httpPort(), "/fhir/ImagingStudy/" + kStudy).second);
  EXPECT_EQ(integer(study["numberOfInstances"]), 2);
  auto endpoint = parsed(
      httpGet(r.tertiary->httpPort(), "/fhir/" + field(study["endpoint"][0], "reference")).second);
  std::string tertiaryWeb =
      "http://127.0.0.1:" + std::to_string(r.tertiary->httpPort()) + "/dicomweb";
  EXPECT_EQ(field(endpoint, "address"), tertiaryWeb);
  for (const auto& source : r.files) {
    std::string sop = attribute(source, "0008,0018");
    sop = sop.substr(1, sop.size() - 2);
    std::string back = r.pacsDir.file(sop + "-wado.dcm");
    CommandResult got = runCommand({"node", peersDir() + "/dicomweb.js", tertiaryWeb, "instance",
                                    kStudy, kStudy + ".1", sop, back});
    ASSERT_EQ(got.exitCode, 0) << got.out << got.err;
    EXPECT_EQ(attribute(back, "0008,0018"), "[" + sop + "]");
    EXPECT_EQ(pixelHash(back), pixelHash(source));
  }
  EXPECT_EQ(
      sqliteQuery(
          r.county->dbPath(),
          "SELECT COUNT(*) FROM dicom_outbox WHERE peer = 'TERTIARY' AND state = 'done'")[0][0],
      "2");
}

}  // namespace
}  // namespace medbridge::testing
