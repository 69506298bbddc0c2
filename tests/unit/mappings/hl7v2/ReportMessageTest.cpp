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

}  // namespace
}  // namespace medbridge::mappings::hl7v2
