#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>

#include "adapters/pacs_dicom/InstanceArchive.h"
#include "gateway/app/DicomForwarder.h"
#include "gateway/app/PassLoop.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"
#include "mappings/hl7v2/ReportMessage.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::app {

// Referrals (docs/referral-workflow.md, "Answers to the HIS"): the sending hospital's HIS gets
// every new state as RRI^I12 (his.statusMessages), the receiving one an ADT^A05 pre-admission when
// the transfer starts (his.preAdmitReferrals); queued and sent the same way.
//
// Consultation messages for the inviting hospital's HIS (his.*): when the platform's version of
// a consultation this hospital requested (Task.requester = Organization/<his.organization>) is
// applied here, what the HIS is told is queued in the same transaction (his_outbox): the report
// once the Task is completed (and its PDF as a DICOM Encapsulated PDF for the PACS his.reportPacs),
// and its new state when his.statusMessages is on. A loop composes
// each from what is stored here — the patient as the HIS knows her (the application's subject),
// the HIS's own order number, the report and its signed PDF that the platform sent ahead of the
// Task — as MDM^T02 or ORU^R01 (his.reportMessage) or OSU^O51, and sends it over MLLP until the
// HIS answers: AA/CA done, AE/AR failed with the HIS's error; no answer or a report not here yet
// is retried with backoff (workers.retryBaseSeconds doubling, at most 10 min), never given up.
class HisMessages {
 public:
  HisMessages(const core::GatewayConfig& config, store::IStore& store,
              const mappings::identity::IdentifierSystems& systems,
              adapters::pacs_dicom::InstanceArchive& archive, DicomForwarder& forwarder,
              const core::IClock& clock);
  ~HisMessages();
  // For PlatformInbound::onReplica.
  void onReplica(store::IResourceTx& tx, const store::ResourceVersion& v,
                 const std::optional<store::ResourceVersion>& previous);
  void start();
  void stop();
  // One pass over the messages that are due; how many were attempted.
  int sendDue();

 private:
  // The message for `m`, or nullopt with `problem` when it cannot be composed yet.
  std::optional<std::string> compose(const store::HisMessage& m, const std::string& controlId,
                                     std::string& problem);
  // The report's PDF (base64): its presentedForm, else the signed DocumentReference.
  std::string reportPdf(const std::string& reportReference, const rapidjson::Document& report,
                        bool& authenticated);
  // Keeps the report's PDF as an Encapsulated PDF object and queues it for his.reportPacs; ""
  // when done, else why not yet.
  std::string storePdf(const store::HisMessage& m);
  std::string statusMessage(const mappings::hl7v2::HisEnvelope& envelope,
                            const rapidjson::Document& task, const std::string& orderId);
  // RRI^I12: a referral's new state for the sending hospital's HIS.
  std::string referralStatus(const mappings::hl7v2::HisEnvelope& envelope,
                             const rapidjson::Document& task, const rapidjson::Document& request,
                             const std::string& referralId);
  // ADT^A05: the referred patient on the way, for the receiving hospital's HIS.
  std::string preAdmission(const mappings::hl7v2::HisEnvelope& envelope,
                           const rapidjson::Document& task, const rapidjson::Document& request,
                           const rapidjson::Document& patient);
  std::optional<std::string> reportMessage(const mappings::hl7v2::HisEnvelope& envelope,
                                           const rapidjson::Document& task,
                                           const std::string& orderId, std::string& problem);

  const core::GatewayConfig& config_;
  store::IStore& store_;
  const mappings::identity::IdentifierSystems& systems_;
  adapters::pacs_dicom::InstanceArchive& archive_;
  DicomForwarder& forwarder_;
  const core::IClock& clock_;
  PassLoop loop_;
};

}  // namespace medbridge::app
