#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "gateway/workflow/ConsultationMachine.h"

namespace medbridge::workflow {

// A referral as submitted, its parts read from the platform's store (null / empty when missing).
struct Referral {
  const rapidjson::Value* request = nullptr;  // the referral ServiceRequest (Task.focus)
  const rapidjson::Value* consent = nullptr;  // the Consent in ServiceRequest.supportingInfo
  std::string patient;                        // Task.for
  std::string sending, receiving;             // "Organization/…": Task.requester, Task.owner
  bool emergency = false;                     // Task.priority stat
  bool agreement = false;    // an active referral agreement links the two institutions
  bool carePlan = false;     // a CarePlan in supportingInfo
  int results = 0;           // DiagnosticReports and ImagingStudies in supportingInfo
  std::string unstableFlag;  // "Flag/…" when the patient is flagged unstable, else ""
  // A completed consultation of the same patient named in ServiceRequest.basedOn within the
  // window ("Task/…"), else ""; priorConsultationProblem says why a named one did not count.
  std::string priorConsultation, priorConsultationProblem;
  int priorConsultDays = 30;  // referral.priorConsultDays
};

// The referral rules of DOMAIN.md ("Two-way referral" [A4], [H]): direction and indication,
// consent, agreement, prior consultation for an upward referral (unless an emergency), a stable
// patient, a care plan and results for a downward one. Every problem found.
std::vector<Problem> checkReferral(const Referral& referral);

// The direction of a referral ServiceRequest (its code in referral-direction): "upward",
// "downward" or "".
std::string referralDirection(const rapidjson::Value& request);

}  // namespace medbridge::workflow
