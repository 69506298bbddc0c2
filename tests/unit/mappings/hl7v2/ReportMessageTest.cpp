#include "mappings/hl7v2/ReportMessage.h"

#include <gtest/gtest.h>

namespace medbridge::mappings::hl7v2 {
namespace {

ConsultationReport sample() {
  ConsultationReport r;
  r.sendingFacility = "county";
  r.receivingApplication = "HIS";
  r.receivingFacility = "ZJYY";
  r.controlId = "MB7";
  r.timestamp = "20261125104500+0800";
  r.patientIds = {{"A1", "ZJYY-HIS", "MR"}, {"330102194912310022", "CHN-NID", "NNCHN"}};
  r.familyName = "王";
  r.givenName = "秀英";
  r.orderId = "sr1";
  r.reportId = "rep1";
  r.issued = "20261125104000+0800";
  r.expertId = "expert";
  r.expertName = "李^明";
  r.conclusion = "建议|复查&随访";
  r.pdfBase64 = "JVBERi0=";
  r.authenticated = true;
  return r;
}

TEST(ReportMessage, OruR01CarriesTheConclusionThenThePdf) {
  EXPECT_EQ(
      buildReportMessage(sample(), "ORU^R01"),
      "MSH|^~\\&|MEDBRIDGE|county|HIS|ZJYY|20261125104500+0800||ORU^R01^ORU_R01|MB7|P|2.5|"
      "|||||UNICODE UTF-8\r"
      "PID|1||A1^^^ZJYY-HIS^MR~330102194912310022^^^CHN-NID^NNCHN||王^秀英\r"
      "ORC|RE|sr1|rep1\r"
      "OBR|1|sr1|rep1|11488-4^Consult note^LN|||20261125104000+0800|||||||||expert^李\\S\\明|"
      "|||||20261125104000+0800|||F\r"
      "OBX|1|TX|11488-4^Consult note^LN||建议\\F\\复查\\T\\随访||||||F|||20261125104000+0800\r"
      "OBX|2|ED|11488-4^Consult note^LN||^AP^PDF^Base64^JVBERi0=||||||F|||"
      "20261125104000+0800");
}

TEST(ReportMessage, MdmT02WithoutPdfIsDocumentedNotAuthenticated) {
  auto r = sample();
  r.pdfBase64.clear();
  r.authenticated = false;
  EXPECT_EQ(
      buildReportMessage(r, "MDM^T02"),
      "MSH|^~\\&|MEDBRIDGE|county|HIS|ZJYY|20261125104500+0800||MDM^T02^MDM_T02|MB7|P|2.5|"
      "|||||UNICODE UTF-8\r"
      "EVN|T02|20261125104500+0800\r"
      "PID|1||A1^^^ZJYY-HIS^MR~330102194912310022^^^CHN-NID^NNCHN||王^秀英\r"
      "PV1|1|O\r"
      "TXA|1|CN|AP|20261125104000+0800|expert^李\\S\\明|||||||rep1||sr1|||DO||AV\r"
      "OBX|1|TX|11488-4^Consult note^LN||建议\\F\\复查\\T\\随访||||||F|||20261125104000+0800");
}

TEST(ReportMessage, OsuO51SaysTheOrderStatusAndTheReason) {
  ConsultationStatus st;
  static_cast<HisEnvelope&>(st) = sample();
  st.orderId = "ZX-2026-001";
  st.taskId = "t1";
  st.orderStatus = "CA";
  st.changed = "20261124110000+0800";
  st.reasonCode = "beyond-scope";
  st.reasonText = "超出诊疗范围";
  st.reasonSystem = "urn:medbridge:codesystem:workflow-reason";
  EXPECT_EQ(buildStatusMessage(st),
            "MSH|^~\\&|MEDBRIDGE|county|HIS|ZJYY|20261125104500+0800||OSU^O51^OSU_O51|MB7|P|2.5|"
            "|||||UNICODE UTF-8\r"
            "PID|1||A1^^^ZJYY-HIS^MR~330102194912310022^^^CHN-NID^NNCHN||王^秀英\r"
            "ORC|SC|ZX-2026-001|t1||CA||||20261124110000+0800|||||||beyond-scope^超出诊疗范围^"
            "urn:medbridge:codesystem:workflow-reason");
}

TEST(ReportMessage, RriI12SaysTheReferralStatusAndTheCodedReason) {
  ReferralStatus st;
  static_cast<HisEnvelope&>(st) = sample();
  st.referralId = "ZZ-7";
  st.referralStatus = "R";
  st.priority = "S";
  st.direction = "upward";
  st.directionText = "上转";
  st.changed = "20261124110000+0800";
  st.receiving = "tertiary";
  st.receivingName = "省人民医院";
  st.state = "rejected/refused";
  st.reasonCode = "no-bed-available";
  st.reasonText = "无床位";
  EXPECT_EQ(buildReferralStatus(st),
            "MSH|^~\\&|MEDBRIDGE|county|HIS|ZJYY|20261125104500+0800||RRI^I12^RRI_I12|MB7|P|2.5|"
            "|||||UNICODE UTF-8\r"
            "RF1|R|S|upward^上转^MBREFDIR||O|ZZ-7|20261124110000+0800\r"
            "PRD|RT|省人民医院|||||tertiary^Organization\r"
            "PID|1||A1^^^ZJYY-HIS^MR~330102194912310022^^^CHN-NID^NNCHN||王^秀英\r"
            "NTE|1||rejected/refused\r"
            "NTE|2||no-bed-available 无床位");
}

TEST(ReportMessage, AdtA05AnnouncesTheReferredPatientWithItsMarkers) {
  ReferralPreAdmission a;
  static_cast<HisEnvelope&>(a) = sample();
  a.gender = "F";
  a.birthDate = "19491231";
  a.visitNumber = "r1";
  a.admissionType = "E";
  a.department = "03";
  a.referringDoctor = "doc";
  a.reason = "severe-trauma-poisoning-critical";
  a.expected = "20261124120000+0800";
  a.priority = true;
  a.feeWaived = true;
  EXPECT_EQ(buildPreAdmission(a),
            "MSH|^~\\&|MEDBRIDGE|county|HIS|ZJYY|20261125104500+0800||ADT^A05^ADT_A05|MB7|P|2.5|"
            "|||||UNICODE UTF-8\r"
            "EVN|A05|20261125104500+0800\r"
            "PID|1||A1^^^ZJYY-HIS^MR~330102194912310022^^^CHN-NID^NNCHN||王^秀英||19491231|F\r"
            "PV1|1|P||E||||doc||03|||||||||r1\r"
            "PV2|||severe-trauma-poisoning-critical|||||20261124120000+0800\r"
            "OBX|1|CWE|REFPRIO^转诊患者优先^MBFLAG||Y^Yes^HL70136||||||F\r"
            "OBX|2|CWE|FEEWAIVED^免挂号费^MBFLAG||Y^Yes^HL70136||||||F");
}

}  // namespace
}  // namespace medbridge::mappings::hl7v2
