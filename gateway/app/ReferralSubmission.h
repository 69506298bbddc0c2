#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/store/IStore.h"
#include "gateway/workflow/ReferralCheck.h"

namespace medbridge::app {

// A submitted referral's parts as the platform holds them, gathered for the referral check: the
// application and its consent, care plan and results, the institutions' agreement
// (OrganizationAffiliation coded affiliation|referral-agreement, active, in its period), an
// active Flag patient-flag|unstable on the patient, and the completed consultation named in
// ServiceRequest.basedOn — its application (a ServiceRequest, by reference or by the HIS's
// identifier), whose Task is the consultation, or (leniently) the Task itself.
class ReferralSubmission {
 public:
  ReferralSubmission(store::IResourceTx& tx, const rapidjson::Value& task, std::int64_t now,
                     int priorConsultDays);
  std::vector<workflow::Problem> problems() const { return workflow::checkReferral(referral_); }

 private:
  void findAgreement(store::IResourceTx& tx, const std::string& today);
  void findUnstableFlag(store::IResourceTx& tx, const std::string& today);
  void findPriorConsultation(store::IResourceTx& tx, std::int64_t now);
  static std::vector<std::string> consultationsNamed(store::IResourceTx& tx,
                                                     const rapidjson::Value& basedOn);

  rapidjson::Document request_, consent_;
  workflow::Referral referral_;
};

}  // namespace medbridge::app
