#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/app/PassLoop.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"
#include "gateway/workflow/ConsultationMachine.h"

namespace medbridge::app {

class ReportSigning;

// The consultation and referral workflows on the platform (docs/consultation-workflow.md,
// docs/referral-workflow.md): every write of a consultation or referral Task passes its state
// machine (actor, required content, deadlines) and leaves an AuditEvent; $accept … $cancel propose
// transitions; a loop flags passed deadlines on the Task, notifies the responsible party
// (Communication) and counts them for /metrics.
class ConsultationWorkflow {
 public:
  // Throws core::Error (ConfigInvalid) on a bad workflow.* setting.
  ConsultationWorkflow(const core::GatewayConfig& config, fhir::FhirServer& fhir,
                       store::IStore& store, ReportSigning& signing, const core::IClock& clock);
  ~ConsultationWorkflow();
  void install();  // the write guard on Task and the operations
  void start();    // the deadline loop
  void stop();
  // Flags every open Task's passed deadlines now; how many deadlines were flagged.
  int checkDeadlines();
  std::string metricsText();

 private:
  bool guard(store::IResourceTx& tx, const std::optional<store::ResourceVersion>& current,
             rapidjson::Document& proposed);
  workflow::TransitionFacts facts(store::IResourceTx& tx, const rapidjson::Value* current,
                                  const rapidjson::Document& proposed);
  std::string today() const;  // YYYY-MM-DD in workflow.timeZone
  // A rating (QuestionnaireResponse to the shipped questionnaire): 422 / 409 when refused.
  void checkRating(store::IResourceTx& tx, const rapidjson::Document& response);
  // The application check on submit and the expert check on assignment; a referral's rules on
  // submit (422 when they fail).
  void checkContent(store::IResourceTx& tx, const rapidjson::Document& task,
                    const workflow::TransitionOutcome& outcome);
  // The consult package (the patient, the application and its records except images) queued for
  // the invited hospital, ahead of the Task version that submits it.
  void sharePackage(store::IResourceTx& tx, const rapidjson::Document& task);
  // A submitted referral's form (DocumentReference/referral-form-<Task id>) and its shared
  // results (List/shared-results-<Task id>), stored and queued for both institutions ahead of
  // the Task version.
  void storeReferralPapers(store::IResourceTx& tx, const rapidjson::Document& task);
  // The report (DiagnosticReport, its signatures and signed PDFs) queued for the inviting
  // hospital, ahead of the Task version that completes the consultation.
  void shareReport(store::IResourceTx& tx, const rapidjson::Document& task);
  // Queues the current versions of `references` for `organization` when it is a hospital.
  void shareWith(store::IResourceTx& tx, const std::string& organization,
                 const rapidjson::Document& task, const std::vector<std::string>& references);
  void audit(store::IResourceTx& tx, const rapidjson::Document& task, int version,
             const workflow::TransitionOutcome& outcome, const std::string& actor);
  void notifyBreach(store::IResourceTx& tx, const rapidjson::Document& task,
                    const std::string& rule, const std::string& responsible);
  // The assigned expert cannot take it: the invited department heads are asked to reassign.
  void notifyReassignment(store::IResourceTx& tx, const rapidjson::Document& task,
                          const std::string& expert);
  // A Communication about the Task (category from workflow-flag), routed to the recipients.
  void notify(store::IResourceTx& tx, const rapidjson::Document& task, const std::string& category,
              const std::vector<std::string>& recipients, const std::string& message);

  const core::GatewayConfig& config_;
  fhir::FhirServer& fhir_;
  store::IStore& store_;
  ReportSigning& signing_;
  const core::IClock& clock_;
  std::unique_ptr<workflow::ConsultationMachine> machine_, referralMachine_;
  int offsetMinutes_;
  PassLoop loop_;
  std::mutex passMutex_;  // one deadline pass at a time
  std::mutex mutex_;      // the counters (taken briefly, also on the store's writer thread)
  std::map<std::string, std::int64_t> breaches_;     // by rule, since start
  std::map<std::string, std::int64_t> transitions_;  // "from to", since start
  std::int64_t breachedOpen_ = 0;                    // open Tasks flagged, at the last pass
};

}  // namespace medbridge::app
