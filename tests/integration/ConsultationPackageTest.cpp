// The consult package between three medbridge instances and a PACS (dcmtk's dcmqrscp): the
// county hospital's HIS registers the patient over MLLP; on submit the county gateway fetches her
// studies from the PACS (C-MOVE), adds her recent records to the application, sends the records
// through the platform and every image instance by C-STORE from its durable outbox to the
// tertiary hospital's gateway; the platform passes the application, its records and the patient
// on to the tertiary hospital ahead of the Task, and the tertiary gateway serves the images by
// WADO-RS with the PACS's SOP Instance UIDs and pixel data.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tests/integration/ConsultationSupport.h"
#include "tests/integration/DicomTestSupport.h"
#include "tests/integration/ReferralSupport.h"

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

std::string replace(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The HL7 messages a test HIS (his-listener.js) received, in order.
std::vector<std::string> hisMessages(const std::string& file) {
  std::vector<std::string> out;
  std::string all = readFile(file);
  for (std::size_t at = 0, end; (end = all.find('\n', at)) != std::string::npos; at = end + 1)
    out.push_back(field(parsed(all.substr(at, end - at)), "message"));
  return out;
}

struct PackageRegion {
  int platformPort = freeLoopbackPort(), pacsPort = freeLoopbackPort(),
      hisPort = freeLoopbackPort();
  // The hospitals keep their ports across restarts (the platform and the PACS know them).
  int countyHttp = freeLoopbackPort(), countyDicom = freeLoopbackPort(),
      tertiaryHttp = freeLoopbackPort(), tertiaryDicom = freeLoopbackPort();
  TempDir countyDir, tertiaryDir, pacsDir;
  std::unique_ptr<PeerProcess> his;           // the county's HIS, receiving reports
  std::unique_ptr<PeerProcess> receivingHis;  // the tertiary hospital's (tertiaryHis)
  std::unique_ptr<GatewayProcess> county, tertiary;
  std::unique_ptr<WorkflowPlatform> platform;
  std::unique_ptr<PeerProcess> pacs;
  std::vector<std::string> files;

  // stow: the county sends the images to the tertiary gateway by STOW-RS, else by C-STORE.
  // tertiaryHis: the tertiary hospital has a HIS too (tertiary-his.jsonl), told of referred
  // patients on the way.
  explicit PackageRegion(bool stow = false, bool tertiaryHis = false) {
    his = std::make_unique<PeerProcess>(
        std::vector<std::string>{"node", peersDir() + "/his-listener.js", std::to_string(hisPort),
                                 pacsDir.file("his.jsonl")},
        pacsDir.file("his.log"));
    EXPECT_TRUE(waitForListener(hisPort, std::chrono::seconds(10)));
    std::string platformUrl = "http://127.0.0.1:" + std::to_string(platformPort) + "/fhir";
    std::vector<std::string> tertiarySets{
        "regional.urls=" + platformUrl,
        "regional.resourceTypes=Patient,Appointment,DiagnosticReport,DocumentReference,"
        "Provenance",
        "dicom.aet=TERTIARY",
        "dicom.stableSeconds=1",
        "http.port=" + std::to_string(tertiaryHttp),
        "dicom.port=" + std::to_string(tertiaryDicom)};
    if (tertiaryHis) {
      int port = freeLoopbackPort();
      receivingHis = std::make_unique<PeerProcess>(
          std::vector<std::string>{"node", peersDir() + "/his-listener.js", std::to_string(port),
                                   pacsDir.file("tertiary-his.jsonl")},
          pacsDir.file("tertiary-his.log"));
      EXPECT_TRUE(waitForListener(port, std::chrono::seconds(10)));
      for (std::string set : {"his.host=127.0.0.1", "his.organization=tertiary",
                              "his.preAdmitReferrals=true", "his.receivingFacility=SRMYY"})
        tertiarySets.push_back(set);
      tertiarySets.push_back("his.port=" + std::to_string(port));
    }
    tertiary = std::make_unique<GatewayProcess>(tertiaryDir.path(), tertiarySets);
    tertiary->start();
    county = std::make_unique<GatewayProcess>(
        countyDir.path(),
        std::vector<std::string>{
            "regional.urls=" + platformUrl, "http.port=" + std::to_string(countyHttp),
            "dicom.port=" + std::to_string(countyDicom),
            "regional.resourceTypes=Patient,Encounter,ServiceRequest,DocumentReference,Consent,"
            "ImagingStudy",
            "workers.retryBaseSeconds=1", "dicom.peers.PACS.host=127.0.0.1",
            "dicom.peers.PACS.port=" + std::to_string(pacsPort),
            "dicom.peers.PACS.patientIdSystem=" + kPacsSystem,
            "dicom.peers.TERTIARY.host=127.0.0.1",
            "dicom.peers.TERTIARY.port=" + std::to_string(tertiary->dicomPort()),
            "dicom.peers.TERTIARYWEB.stowUrl=http://127.0.0.1:" + std::to_string(tertiaryHttp) +
                "/dicomweb",
            "workflow.package.pacs=PACS",
            std::string("workflow.package.imageDestinations.tertiary=") +
                (stow ? "TERTIARYWEB" : "TERTIARY"),
            "workflow.package.lookbackDays=30", "his.host=127.0.0.1",
            "his.port=" + std::to_string(hisPort), "his.organization=county",
            "his.statusMessages=true", "his.reportPacs=PACS"});
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
  // The patient, her records, the application (FHIR) and its submission. Sets localPatient and
  // platformPatient.
  void submit() {
    registerPatient();
    std::string subject = "Patient/" + localPatient;
    std::string request = replace(serviceRequest("pk", "regular"), "Patient/p1", subject);
    request = replace(request, R"({"reference":"DocumentReference/d1"},)", "");
    request = replace(request, "Consent/consent1", "Consent/pk-consent");
    EXPECT_EQ(putAtCounty("ServiceRequest/pk", request).status, 201);
    EXPECT_TRUE(waitFor([&] { return pending(*county) == "0"; }, std::chrono::seconds(30)));

    // The Task about the county's Patient is proposed about the platform's.
    auto created = putAtCounty("Task/pk", replace(newTask("pk", "pk"), "Patient/p1", subject));
    EXPECT_EQ(created.status, 201) << created.body;
    platformPatient = field(parsed(created.body)["for"], "reference");
    EXPECT_NE(platformPatient, subject);
    EXPECT_EQ(field(platform->read(platformPatient)["identifier"][0], "value"), "A1");
    submitDraft("pk");
  }
  // The county's internal steps and the submission, through its gateway.
  void submitDraft(const std::string& id) {
    for (auto [business, who] : std::vector<std::pair<std::string, std::string>>{
             {"department-head-signed", "PractitionerRole/head"},
             {"medical-affairs-approved", "PractitionerRole/office"},
             {"fee-paid", "PractitionerRole/office"}})
      EXPECT_EQ(moveTask(county->httpPort(), id, "draft", business, who).status, 200);
    auto submitted =
        moveTask(county->httpPort(), id, "requested", "submitted", "PractitionerRole/doc");
    EXPECT_EQ(submitted.status, 200) << submitted.body << county->log();
  }
  // The HIS registers the patient (ADT^A01: her MRN, the PACS's id); a recent note, an old one
  // and the signed consent are written through the county gateway's FHIR API.
  void registerPatient() {
    platform->setClock("2026-11-24T01:00:00Z");
    // The HIS registers the patient: her MRN, the PACS's id and her national ID.
    MllpClient his(county->mllpPort());
    his.sendFrame(
        "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|PK-1|P|2.5||||||"
        "UNICODE UTF-8\rPID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英||19491231|F\r"
        "PV1|1|O\r");
    EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
    EXPECT_TRUE(waitForQueueDrained(*county, std::chrono::seconds(30)));
    auto [status, found] =
        httpGet(county->httpPort(), "/fhir/Patient?identifier=urn:oid:1.2.156.112604.1.2.1.1%7CA1");
    EXPECT_EQ(status, 200);
    localPatient = found.substr(found.find(R"("resourceType":"Patient","id":")") + 31);
    localPatient = localPatient.substr(0, localPatient.find('"'));

    // The application with its consent; a recent record and an old one in the county's store.
    std::string subject = "Patient/" + localPatient;
    auto note = [&](const std::string& id, const std::string& date, const std::string& title) {
      return putAtCounty("DocumentReference/" + id,
                         R"({"resourceType":"DocumentReference","id":")" + id +
                             R"(","status":"current","subject":{"reference":")" + subject +
                             R"("},"date":")" + date +
                             R"(","content":[{"attachment":{"contentType":"text/plain","title":")" +
                             title + R"("}}]})");
    };
    EXPECT_EQ(note("note", "2026-11-22T09:00:00+08:00", "入院记录").status, 201);
    EXPECT_EQ(note("old", "2025-01-10T09:00:00+08:00", "旧病历").status, 201);
    EXPECT_EQ(
        putAtCounty(
            "Consent/pk-consent",
            replace(
                R"({"resourceType":"Consent","id":"pk-consent","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"treatment"}]},"category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"Patient/p1"},"dateTime":"2026-11-24T08:30:00+08:00","sourceAttachment":{"contentType":"application/pdf","title":"远程会诊知情同意书"}})",
                "Patient/p1", subject))
            .status,
        201);
  }
  std::string localPatient, platformPatient;
  // The id of the application the HIS numbered `number` (RF1-6, ORC-2), once the county gateway
  // has mapped it; "" (and a test failure) when it does not come.
  std::string applicationId(const std::string& number) {
    std::string id;
    EXPECT_TRUE(waitFor(
        [&] {
          auto [status, bundle] =
              httpGet(county->httpPort(), "/fhir/ServiceRequest?identifier=" + number);
          auto at = bundle.find(R"("resourceType":"ServiceRequest","id":")");
          if (status != 200 || at == std::string::npos) return false;
          id = bundle.substr(at + 38);
          id = id.substr(0, id.find('"'));
          return true;
        },
        std::chrono::seconds(30)))
        << number;
    return id;
  }
  static std::string inbound(const GatewayProcess& g) {
    return "http://127.0.0.1:" + std::to_string(g.httpPort()) + "/regional/inbound";
  }
  HttpResult putAtCounty(const std::string& path, const std::string& body) {
    return httpRequest(county->httpPort(), "PUT", "/fhir/" + path, body, kFhirJson);
  }
};

// Every image instance reached the tertiary gateway (sent to `peer`); its ImagingStudy points
// at its own DICOMweb, which serves the PACS's instances: same SOP Instance UIDs, same pixel data
// (WADO-RS with npm's dicomweb-client).
void expectImagesAtTheInvitedGateway(PackageRegion& r, const std::string& peer) {
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
  EXPECT_EQ(sqliteQuery(r.county->dbPath(), "SELECT COUNT(*) FROM dicom_outbox WHERE peer = '" +
                                                peer + "' AND state = 'done'")[0][0],
            "2");
}

TEST(ConsultationPackage, RecordsAndImagesReachTheInvitedHospitalOnSubmit) {
  PackageRegion r;
  r.submit();
  ASSERT_FALSE(::testing::Test::HasFailure());
  const std::string& platformPatient = r.platformPatient;

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

  expectImagesAtTheInvitedGateway(r, "TERTIARY");
}

// The application starts in the county's HIS as HL7 v2 (the images pushed by STOW-RS) and runs
// to its report at the invited hospital; the report and its PDF come back through the platform
// ahead of the completed Task, and the county's HIS receives them as MDM^T02 over MLLP, with every
// state as OSU^O51.
TEST(ConsultationPackage, AnApplicationFromTheHisEndsWithItsReportInTheHisAsMdmT02) {
  PackageRegion r(/*stow=*/true);
  r.registerPatient();
  ASSERT_FALSE(::testing::Test::HasFailure());
  // The application comes from the HIS as REF^I12: the service type in RF1-3, the HIS's
  // referral number in RF1-6, the suggested time in RF1-9, the attending physician and the
  // invited hospital (with the department) as PRD-7 reference-data ids.
  MllpClient his(r.county->mllpPort());
  his.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261124090000+0800||REF^I12|RF-1|P|2.5||||||"
      "UNICODE UTF-8\r"
      "RF1|P^Pending|R^Routine|regular^常规会诊^MBCST||O|ZX-2026-001^ZJYY-ORDERS|"
      "20261124090000+0800||20261125100000+0800|^肺部感染抗感染治疗3天无效\r"
      "PRD|RP|张^医生|||||doc^PractitionerRole\r"
      "PRD|RT|三级^医院||03.01|||tertiary^Organization\r"
      "PID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英||19491231|F\r");
  ASSERT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  std::string id = r.applicationId("ZX-2026-001");
  ASSERT_FALSE(id.empty());
  // The county gateway proposes its draft to the platform by itself.
  ASSERT_TRUE(
      waitFor([&] { return httpGet(r.county->httpPort(), "/fhir/Task/" + id).first == 200; },
              std::chrono::seconds(30)))
      << r.county->log();
  auto draft = parsed(httpGet(r.county->httpPort(), "/fhir/Task/" + id).second);
  EXPECT_EQ(field(draft, "status"), "draft");
  EXPECT_EQ(field(draft["owner"], "reference"), "Organization/tertiary");
  r.platformPatient = field(draft["for"], "reference");
  r.submitDraft(id);
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_TRUE(waitFor(
      [&] {
        auto rows = sqliteQuery(
            r.tertiary->dbPath(),
            "SELECT version_id FROM replicas WHERE type = 'Task' AND id = '" + id + "'");
        return !rows.empty() && rows[0][0] == "5";
      },
      std::chrono::seconds(30)));
  // The images went by STOW-RS this time.
  expectImagesAtTheInvitedGateway(r, "TERTIARYWEB");
  auto& t = *r.tertiary;
  ASSERT_EQ(moveTask(t.httpPort(), id, "received", "received", "PractitionerRole/desk").status,
            200);
  ASSERT_EQ(op(t, id, "accept", refParam("PractitionerRole/desk")).status, 200);
  ASSERT_EQ(
      op(t, id, "assign",
         refParam("PractitionerRole/desk") + "," + refParam("PractitionerRole/expert", "expert"))
          .status,
      200);
  ASSERT_EQ(httpRequest(t.httpPort(), "PUT", "/fhir/Appointment/pk-a",
                        appointment("pk-a", "2026-11-25T02:00:00Z"), kFhirJson)
                .status,
            201);
  // The appointment reaches the platform before the proposal that names it.
  auto scheduled =
      op(t, id, "schedule",
         refParam("PractitionerRole/expert") + "," + refParam("Appointment/pk-a", "appointment"));
  ASSERT_EQ(scheduled.status, 200) << scheduled.body;
  // All three restart in the middle of the flow; it goes on where it was.
  for (auto* g : {r.county.get(), r.tertiary.get(), &r.platform->gateway()}) {
    ASSERT_EQ(g->terminate(), 0);
    g->start();
  }
  r.platform->setClock("2026-11-25T02:00:00Z");
  ASSERT_EQ(op(t, id, "start", refParam("PractitionerRole/expert")).status, 200);
  r.platform->setClock("2026-11-25T02:25:00Z");
  ASSERT_EQ(
      moveTask(t.httpPort(), id, "in-progress", "session-ended", "PractitionerRole/expert").status,
      200);
  const std::string pdf = "JVBERi0xLjQKJcfsj6IKJSVFT0YK";  // "%PDF-1.4 …%%EOF"
  ASSERT_EQ(
      httpRequest(
          t.httpPort(), "PUT", "/fhir/DiagnosticReport/pk-r",
          R"({"resourceType":"DiagnosticReport","id":"pk-r","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"11488-4"}]},"subject":{"reference":")" +
              r.platformPatient +
              R"("},"issued":"2026-11-25T10:40:00+08:00","conclusion":"建议继续抗感染治疗|复查胸片","presentedForm":[{"contentType":"application/pdf","data":")" +
              pdf + R"("}]})",
          kFhirJson)
          .status,
      201);
  r.platform->setClock("2026-11-25T02:40:00Z");
  auto completed =
      op(t, id, "complete",
         refParam("PractitionerRole/expert") + "," + refParam("DiagnosticReport/pk-r", "report"));
  ASSERT_EQ(completed.status, 200) << completed.body;

  // The county's HIS got one MDM^T02: the patient by the HIS's own MRN, the document numbers,
  // the PDF and the conclusion (escaped); and an OSU^O51 for every new state, in order.
  auto messages = [&] { return hisMessages(r.pacsDir.file("his.jsonl")); };
  ASSERT_TRUE(waitFor([&] { return messages().size() == 13; }, std::chrono::seconds(30)))
      << messages().size() << r.county->log();
  std::string message;
  std::vector<std::string> states;
  for (const auto& m : messages()) {
    if (m.find("|MDM^T02^MDM_T02|") != std::string::npos) message = m;
    auto orc = m.find("\rORC|SC|ZX-2026-001|" + id + "||");
    if (orc == std::string::npos) continue;
    std::string fields = m.substr(orc + 1);
    std::vector<std::string> f;
    for (std::size_t at = 0, bar; (bar = fields.find('|', at)) != std::string::npos; at = bar + 1)
      f.push_back(fields.substr(at, bar - at));
    f.push_back(fields.substr(fields.rfind('|') + 1));
    states.push_back(f[5] + " " + f[16].substr(0, f[16].find('^')));
  }
  EXPECT_EQ(states,
            (std::vector<std::string>{
                "IP drafted", "IP department-head-signed", "IP medical-affairs-approved",
                "IP fee-paid", "IP submitted", "IP received", "IP accepted", "IP expert-assigned",
                "SC scheduled", "IP in-session", "IP session-ended", "CM reported"}));
  std::vector<std::string> segments;
  for (std::size_t at = 0, end; at < message.size(); at = end + 1) {
    end = message.find('\r', at);
    if (end == std::string::npos) end = message.size();
    segments.push_back(message.substr(at, end - at));
  }
  ASSERT_EQ(segments.size(), 7u) << message;
  auto startsWith = [](const std::string& segment, const std::string& prefix) {
    return segment.substr(0, prefix.size()) == prefix;
  };
  EXPECT_TRUE(startsWith(segments[0], "MSH|^~\\&|MEDBRIDGE|county|HIS||2026")) << segments[0];
  EXPECT_NE(segments[0].find("||MDM^T02^MDM_T02|MB"), std::string::npos) << segments[0];
  EXPECT_EQ(segments[1].substr(0, 8), "EVN|T02|");
  EXPECT_EQ(segments[2], "PID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英");
  EXPECT_EQ(segments[3], "PV1|1|O");
  EXPECT_EQ(segments[4].substr(0, 14), "TXA|1|CN|AP|20");
  EXPECT_NE(segments[4].find("|expert|||||||pk-r||ZX-2026-001|||DO||AV"), std::string::npos)
      << segments[4];
  EXPECT_TRUE(startsWith(segments[5], "OBX|1|ED|11488-4^Consult note^LN||^AP^PDF^Base64^" + pdf))
      << segments[5];
  EXPECT_NE(segments[5].find("^Base64^" + pdf + "||||||F|||20261125"), std::string::npos)
      << segments[5];
  EXPECT_TRUE(startsWith(
      segments[6], "OBX|2|TX|11488-4^Consult note^LN||建议继续抗感染治疗\\F\\复查胸片||||||F"))
      << segments[6];
  // The report's PDF is in the county's PACS as an Encapsulated PDF object under the PACS's own
  // patient id, the document as the expert's report carried it.
  std::string pdfObject;
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& e : std::filesystem::directory_iterator(r.pacsDir.file("pacs")))
          if (attribute(e.path().string(), "0008,0016") == "=EncapsulatedPDFStorage")
            pdfObject = e.path().string();
        return !pdfObject.empty();
      },
      std::chrono::seconds(30)))
      << r.county->log();
  EXPECT_EQ(attribute(pdfObject, "0010,0020"), "[P100]");
  EXPECT_EQ(attribute(pdfObject, "0042,0012"), "[application/pdf]");
  CommandResult extracted = runCommand({"dcm2pdf", pdfObject, r.pacsDir.file("report.pdf")});
  ASSERT_EQ(extracted.exitCode, 0) << extracted.out << extracted.err;
  std::string document = readFile(r.pacsDir.file("report.pdf"));
  EXPECT_EQ(document.substr(0, 21), std::string("%PDF-1.4\n%\xc7\xec\x8f\xa2\n%%EOF\n"));
  // Both hospitals keep the archived case: the platform's case Bundle, whole.
  for (auto* g : {r.county.get(), r.tertiary.get()})
    ASSERT_TRUE(waitFor(
        [&] { return httpGet(g->httpPort(), "/fhir/DocumentReference/case-" + id).first == 200; },
        std::chrono::seconds(30)))
        << r.platform->gateway().log();
  auto archive = parsed(httpGet(r.county->httpPort(), "/fhir/DocumentReference/case-" + id).second);
  const auto& attachment = archive["content"][0]["attachment"];
  EXPECT_EQ(field(attachment, "contentType"), "application/fhir+json");
  std::string caseJson = core::unbase64(field(attachment, "data"));
  EXPECT_EQ(static_cast<std::size_t>(integer(attachment["size"])), caseJson.size());
  auto caseBundle = parsed(caseJson);
  EXPECT_EQ(field(caseBundle, "type"), "document");
  EXPECT_EQ(field(caseBundle["identifier"], "value"), id);
  std::set<std::string> archived;
  for (const auto& e : caseBundle["entry"].GetArray())
    archived.insert(field(e["resource"], "resourceType") + "/" + field(e["resource"], "id"));
  for (const auto& expected :
       {"Task/" + id, std::string("DiagnosticReport/pk-r"), std::string("Appointment/pk-a"),
        "ServiceRequest/" + id, std::string("Consent/pk-consent")})
    EXPECT_TRUE(archived.count(expected)) << expected;
  // Everything exchanged, as each side holds it, is valid R4: the case Bundle (every resource of
  // the consultation), the archive, the Task, the images' description at the invited side.
  ReceivedResources exchanged;
  exchanged.add(caseJson);
  exchanged.add(mappings::fhir::toJson(archive));
  for (auto* g : {r.county.get(), r.tertiary.get()})
    for (const std::string& path :
         {"Task/" + id, "ServiceRequest/" + id, "DocumentReference/case-" + id,
          std::string("DiagnosticReport/pk-r")})
      exchanged.add(httpGet(g->httpPort(), "/fhir/" + path).second);
  exchanged.add(httpGet(r.tertiary->httpPort(), "/fhir/ImagingStudy/" + kStudy).second);
  EXPECT_EQ(exchanged.schemaProblems(), "");
  EXPECT_EQ(exchanged.ownProblems(), "");
  EXPECT_EQ(r.platform->received().schemaProblems(), "");
  // Each one done once its ACK is in (the HIS may have written it down a moment earlier).
  std::vector<std::vector<std::string>> outbox;
  EXPECT_TRUE(waitFor(
      [&] {
        outbox = sqliteQuery(r.county->dbPath(),
                             "SELECT kind, state, COUNT(*) FROM his_outbox GROUP BY kind, state");
        return outbox == std::vector<std::vector<std::string>>{{"pdf", "done", "1"},
                                                               {"report", "done", "1"},
                                                               {"status", "done", "12"}};
      },
      std::chrono::seconds(10)))
      << ::testing::PrintToString(outbox);

  // The consultation did not settle it: the HIS refers the patient upward, naming the
  // consultation by its own order number (RF1-11); the platform finds it completed and takes the
  // referral, which is not an emergency.
  ASSERT_EQ(
      r.platform
          ->put("OrganizationAffiliation/agreement1", agreement("agreement1", "tertiary", "county"))
          .status,
      201);
  MllpClient referrer(r.county->mllpPort());  // the county restarted since the first message
  referrer.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261125110000+0800||REF^I12|RF-3|P|2.5||||||"
      "UNICODE UTF-8\r"
      "RF1|P^Pending|R^Routine|upward^上转^MBREFDIR||O|ZZ-2026-008^ZJYY-REFERRALS|"
      "20261125110000+0800|||undiagnosed-after-consultation^会诊后仍未明确诊断^MBREFIND|"
      "ZX-2026-001^ZJYY-ORDERS\r"
      "PRD|RP|张^医生|||||doc^PractitionerRole\r"
      "PRD|RT|三级^医院||03|||tertiary^Organization\r"
      "PID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英||19491231|F\r");
  ASSERT_EQ(ackField(referrer.readFrame(), "MSA", 1), "AA");
  std::string referral = r.applicationId("ZZ-2026-008");
  ASSERT_TRUE(
      waitFor([&] { return httpGet(r.platformPort, "/fhir/Task/" + referral).first == 200; },
              std::chrono::seconds(60)))
      << r.county->log();
  auto referred = r.platform->read("Task/" + referral);
  EXPECT_EQ(
      field(referred, "status") + "/" + field(referred["businessStatus"]["coding"][0], "code"),
      "requested/submitted");
  EXPECT_EQ(field(referred, "priority"), "routine");
  EXPECT_EQ(
      field(r.platform->read("ServiceRequest/" + referral)["basedOn"][0]["identifier"], "value"),
      "ZX-2026-001");
}

// The other two ways an application comes from the HIS: OMG^O19 (the parties in PRT segments)
// and a FHIR transaction holding the application and its draft Task. Both end as a draft on the
// platform, about the platform's Patient; a transaction whose Task the platform refuses keeps
// the application and says so.
TEST(ConsultationPackage, AnApplicationAsOmgO19OrAsAFhirTransactionWithItsTaskIsProposed) {
  PackageRegion r;
  r.registerPatient();
  ASSERT_FALSE(::testing::Test::HasFailure());
  auto platformTask = [&](const std::string& id) {
    auto answer = httpGet(r.platformPort, "/fhir/Task/" + id);
    return answer.first == 200 ? parsed(answer.second) : rapidjson::Document();
  };
  // OMG^O19: ORC-2 the HIS's order number, PRT RP / RT with the platform's PractitionerRole
  // (XCN-13) and Organization (XON-10) ids and the invited department (PRT-7), TQ1-7 the
  // suggested time.
  MllpClient his(r.county->mllpPort());
  his.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261124090000+0800||OMG^O19^OMG_O19|OMG-1|P|2.5||||"
      "||UNICODE UTF-8\r"
      "PID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英||19491231|F\r"
      "ORC|NW|ZX-2026-003^ZJYY-ORDERS|||||||20261124090000+0800\r"
      "PRT||AD||RP^Referring Provider^HL70912|doc^张^医生^^^^^^^^^^PractitionerRole\r"
      "TQ1|1||||||20261125100000+0800||R^Routine^HL70485\r"
      "OBR|1|ZX-2026-003^ZJYY-ORDERS||regular^常规会诊^MBCST\r"
      "NTE|1||肺部感染抗感染治疗3天无效\r"
      "PRT||AD||RT^Referred to Provider^HL70912|||03.01^呼吸内科^MBDEPT|"
      "三级医院^^^^^^Organization^^^tertiary\r");
  ASSERT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  std::string id = r.applicationId("ZX-2026-003");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(waitFor([&] { return platformTask(id).IsObject(); }, std::chrono::seconds(30)))
      << r.county->log();
  auto draft = platformTask(id);
  EXPECT_EQ(field(draft, "status"), "draft");
  EXPECT_EQ(field(draft["requester"], "reference"), "Organization/county");
  EXPECT_EQ(field(draft["owner"], "reference"), "Organization/tertiary");
  EXPECT_EQ(field(draft["focus"], "reference"), "ServiceRequest/" + id);
  r.platformPatient = field(draft["for"], "reference");
  EXPECT_NE(r.platformPatient, "Patient/" + r.localPatient);
  auto application = r.platform->read("ServiceRequest/" + id);
  EXPECT_EQ(field(application["requester"], "reference"), "PractitionerRole/doc");
  EXPECT_EQ(field(application["performer"][0], "reference"), "Organization/tertiary");
  EXPECT_EQ(field(application["performerType"]["coding"][0], "code"), "03.01");
  EXPECT_EQ(field(application, "occurrenceDateTime"), "2026-11-25T10:00:00+08:00");
  EXPECT_EQ(field(application["category"][0]["coding"][0], "code"), "consultation");

  // A FHIR transaction: the application (a create, named by its fullUrl) and its draft Task.
  std::string subject = "Patient/" + r.localPatient;
  std::string request = replace(serviceRequest("unused", "regular"), "Patient/p1", subject);
  request = replace(request, R"("id":"unused",)", "");
  request = replace(request, R"({"reference":"DocumentReference/d1"},)", "");
  request = replace(request, "Consent/consent1", "Consent/pk-consent");
  std::string task = replace(newTask("unused", "unused"), "Patient/p1", subject);
  task = replace(task, R"("id":"unused",)", "");
  task = replace(task, "ServiceRequest/unused", "urn:uuid:6f1c1a52-3b0e-4c51-9b1e-0b8f1c2d3e4f");
  auto sent = httpRequest(
      r.county->httpPort(), "POST", "/fhir",
      R"({"resourceType":"Bundle","type":"transaction","entry":[)"
      R"({"fullUrl":"urn:uuid:6f1c1a52-3b0e-4c51-9b1e-0b8f1c2d3e4f","resource":)" +
          request + R"(,"request":{"method":"POST","url":"ServiceRequest"}},{"resource":)" + task +
          R"(,"request":{"method":"POST","url":"Task"}}]})",
      kFhirJson);
  ASSERT_EQ(sent.status, 200) << sent.body << r.county->log();
  auto answer = parsed(sent.body);
  EXPECT_EQ(field(answer, "type"), "transaction-response");
  std::string srLocation = field(answer["entry"][0]["response"], "location");
  std::string taskLocation = field(answer["entry"][1]["response"], "location");
  EXPECT_EQ(field(answer["entry"][1]["response"], "status"), "201 Created");
  ASSERT_EQ(taskLocation.rfind("Task/", 0), 0u) << sent.body;
  ASSERT_EQ(taskLocation.substr(taskLocation.size() - 11), "/_history/1") << taskLocation;
  std::string taskId = taskLocation.substr(5, taskLocation.size() - 16);
  auto proposed = platformTask(taskId);
  ASSERT_TRUE(proposed.IsObject());
  EXPECT_EQ(field(proposed, "status"), "draft");
  EXPECT_EQ(field(proposed["focus"], "reference"),
            srLocation.substr(0, srLocation.find("/_history")));
  EXPECT_EQ(field(proposed["for"], "reference"), r.platformPatient);
  // The local copy is the platform's.
  EXPECT_EQ(httpGet(r.county->httpPort(), "/fhir/Task/" + taskId).first, 200);

  // A Task the platform refuses (a new one cannot start in progress): the application is
  // stored, the Task is not, and the answer says both.
  std::string refusedTask =
      replace(newTask("tx2", "tx2", "tertiary", "in-progress", "started"), "Patient/p1", subject);
  auto refused =
      httpRequest(r.county->httpPort(), "POST", "/fhir",
                  R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)" +
                      replace(request, R"("resourceType":"ServiceRequest",)",
                              R"("resourceType":"ServiceRequest","id":"tx2",)") +
                      R"(,"request":{"method":"PUT","url":"ServiceRequest/tx2"}},{"resource":)" +
                      refusedTask + R"(,"request":{"method":"PUT","url":"Task/tx2"}}]})",
                  kFhirJson);
  EXPECT_EQ(refused.status, 409) << refused.body;
  auto outcome = parsed(refused.body);
  EXPECT_EQ(field(outcome["issue"][0], "code"), "business-rule");
  EXPECT_EQ(firstIssue(refused.body).rfind("entry 1: ", 0), 0u) << refused.body;
  auto& last = outcome["issue"][outcome["issue"].Size() - 1];
  EXPECT_EQ(field(last, "diagnostics"),
            "the Bundle's other entries were stored (ServiceRequest/tx2/_history/1); Task/tx2 "
            "was not: send it again");
  EXPECT_EQ(httpGet(r.county->httpPort(), "/fhir/ServiceRequest/tx2").first, 200);
  EXPECT_EQ(httpGet(r.county->httpPort(), "/fhir/Task/tx2").first, 404);
  EXPECT_FALSE(platformTask("tx2").IsObject());
}

// An upward referral that starts in the HIS as REF^I12 (RF1-3 a referral direction, an
// emergency): the county gateway proposes it submitted, with the patient's records, consent and
// images; both hospitals confirm through their gateways; the tertiary hospital holds the referral
// form and the shared results and admits the patient.
TEST(ConsultationPackage, AnEmergencyReferralFromTheHisRunsUntilThePatientIsAdmitted) {
  PackageRegion r(/*stow=*/false, /*tertiaryHis=*/true);
  r.registerPatient();
  ASSERT_EQ(
      r.platform
          ->put("OrganizationAffiliation/agreement1", agreement("agreement1", "tertiary", "county"))
          .status,
      201);
  ASSERT_FALSE(::testing::Test::HasFailure());
  MllpClient his(r.county->mllpPort());
  // Without a consultation before it and not an emergency, the platform refuses the referral:
  // the gateway logs why, and nothing is proposed.
  his.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261124093000+0800||REF^I12|RF-1|P|2.5||||||"
      "UNICODE UTF-8\r"
      "RF1|P^Pending|R^Routine|upward^上转^MBREFDIR||O|ZZ-2026-006^ZJYY-REFERRALS|"
      "20261124093000+0800|||treatment-ineffective^治疗效果不佳^MBREFIND\r"
      "PRD|RP|张^医生|||||doc^PractitionerRole\r"
      "PRD|RT|三级^医院||03|||tertiary^Organization\r"
      "PID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英||19491231|F\r");
  ASSERT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  std::string refused = r.applicationId("ZZ-2026-006");
  ASSERT_TRUE(waitFor(
      [&] {
        return r.county->log().find("the platform refused the referral of ServiceRequest/" +
                                    refused + " (HTTP 422)") != std::string::npos;
      },
      std::chrono::seconds(60)))
      << r.county->log();
  EXPECT_NE(r.county->log().find("an upward referral follows a completed remote consultation"),
            std::string::npos);
  EXPECT_EQ(httpGet(r.platformPort, "/fhir/Task/" + refused).first, 404);
  his.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261124100000+0800||REF^I12|RF-2|P|2.5||||||"
      "UNICODE UTF-8\r"
      "RF1|P^Pending|S^STAT|upward^上转^MBREFDIR||O|ZZ-2026-007^ZJYY-REFERRALS|"
      "20261124100000+0800|||severe-trauma-poisoning-critical^严重创伤^MBREFIND\r"
      "PRD|RP|张^医生|||||doc^PractitionerRole\r"
      "PRD|RT|三级^医院||03|||tertiary^Organization\r"
      "PID|1||A1^^^ZJYY-HIS^MR~P100^^^ZJYY-PACS^PI||王^秀英||19491231|F\r");
  ASSERT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  std::string id = r.applicationId("ZZ-2026-007");
  ASSERT_TRUE(waitFor([&] { return httpGet(r.platformPort, "/fhir/Task/" + id).first == 200; },
                      std::chrono::seconds(60)))
      << r.county->log();
  auto submitted = r.platform->read("Task/" + id);
  EXPECT_EQ(field(submitted, "status"), "requested");
  EXPECT_EQ(field(submitted["code"]["coding"][0], "code"), "referral");
  EXPECT_EQ(field(submitted, "priority"), "stat");
  // The package went with it: the consent and the fetched study are the application's.
  auto application = r.platform->read("ServiceRequest/" + id);
  std::set<std::string> carried;
  for (const auto& s : application["supportingInfo"].GetArray())
    carried.insert(field(s, "reference").substr(0, field(s, "reference").find('/')));
  EXPECT_TRUE(carried.count("Consent") && carried.count("ImagingStudy")) << r.county->log();
  // The tertiary hospital receives the referral with its form and shared results.
  auto& t = *r.tertiary;
  ASSERT_TRUE(waitFor(
      [&] {
        return httpGet(t.httpPort(), "/fhir/Task/" + id).first == 200 &&
               httpGet(t.httpPort(), "/fhir/Task/" + id + "/$shared-results").first == 200 &&
               httpGet(t.httpPort(), "/fhir/DocumentReference/referral-form-" + id).first == 200;
      },
      std::chrono::seconds(30)));
  ASSERT_EQ(moveTask(t.httpPort(), id, "received", "received", "PractitionerRole/desk").status,
            200);
  ASSERT_EQ(op(t, id, "accept", refParam("PractitionerRole/desk")).status, 200);
  // Both sides confirm before the patient moves (the county acts on its replica of the accepted
  // version).
  auto reaches = [&](const GatewayProcess& g, const std::string& status) {
    return waitFor(
        [&] {
          return field(parsed(httpGet(g.httpPort(), "/fhir/Task/" + id).second), "status") ==
                 status;
        },
        std::chrono::seconds(30));
  };
  ASSERT_TRUE(reaches(*r.county, "accepted"));
  // All three restart between the acceptance and its acknowledgement.
  for (auto* g : {r.county.get(), r.tertiary.get(), &r.platform->gateway()}) {
    ASSERT_EQ(g->terminate(), 0);
    g->start();
  }
  EXPECT_EQ(op(*r.county, id, "start", refParam("PractitionerRole/doc")).status, 409);
  ASSERT_EQ(op(*r.county, id, "acknowledge", refParam("PractitionerRole/doc")).status, 200);
  ASSERT_EQ(op(*r.county, id, "start", refParam("PractitionerRole/doc")).status, 200);
  ASSERT_TRUE(reaches(t, "in-progress"));
  auto admitted = op(t, id, "complete", refParam("PractitionerRole/desk"));
  ASSERT_EQ(admitted.status, 200) << admitted.body;
  EXPECT_EQ(field(parsed(admitted.body), "status"), "completed");
  EXPECT_EQ(field(r.platform->read("Task/" + id)["businessStatus"]["coding"][0], "code"),
            "admitted");
  // The county's HIS heard every state as RRI^I12 (RF1-1 referral status, NTE the state)…
  std::vector<std::string> expected{"P requested/submitted",    "P received/received",
                                    "A accepted/accepted",      "A accepted/acknowledged",
                                    "A in-progress/in-transit", "A completed/admitted"};
  auto told = [&] {
    std::vector<std::string> states;
    for (const auto& m : hisMessages(r.pacsDir.file("his.jsonl"))) {
      auto rf1 = m.find("\rRF1|"), nte = m.find("\rNTE|1||");
      if (m.find("|RRI^I12^RRI_I12|") == std::string::npos || rf1 == std::string::npos ||
          nte == std::string::npos)
        continue;
      EXPECT_NE(m.find("|S|upward^上转^MBREFDIR||O|ZZ-2026-007|"), std::string::npos) << m;
      EXPECT_NE(m.find("\rPID|1||A1^^^ZJYY-HIS^MR"), std::string::npos) << m;
      states.push_back(m.substr(rf1 + 5, 1) + " " +
                       m.substr(nte + 8, m.find('\r', nte + 1) - nte - 8));
    }
    return states;
  };
  ASSERT_TRUE(waitFor([&] { return told().size() == expected.size(); }, std::chrono::seconds(30)))
      << ::testing::PrintToString(told());
  EXPECT_EQ(told(), expected);
  // … and the tertiary hospital's HIS the patient on the way, as an ADT^A05 pre-admission.
  std::vector<std::string> announced;
  ASSERT_TRUE(waitFor(
      [&] {
        announced = hisMessages(r.pacsDir.file("tertiary-his.jsonl"));
        return !announced.empty();
      },
      std::chrono::seconds(30)));
  ASSERT_EQ(announced.size(), 1u);
  const std::string& a05 = announced[0];
  EXPECT_NE(a05.find("|ADT^A05^ADT_A05|"), std::string::npos) << a05;
  EXPECT_NE(a05.find("\rPV1|1|P||E||||doc||03|||||||||" + id + "\r"), std::string::npos) << a05;
  EXPECT_NE(a05.find("\rPV2|||severe-trauma-poisoning-critical|"), std::string::npos) << a05;
  EXPECT_NE(a05.find("\rOBX|1|CWE|REFPRIO^转诊患者优先^MBFLAG||Y^Yes^HL70136||||||F\rOBX|2|CWE|"
                     "FEEWAIVED^免挂号费^MBFLAG||Y^Yes^HL70136||||||F"),
            std::string::npos)
      << a05;
  EXPECT_NE(a05.find("||王^秀英||19491231|F\r"), std::string::npos) << a05;
  EXPECT_EQ(r.platform->received().schemaProblems(), "");
}

}  // namespace
}  // namespace medbridge::testing
