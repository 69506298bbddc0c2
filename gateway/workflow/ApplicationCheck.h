#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "gateway/workflow/ConsultationMachine.h"

namespace medbridge::workflow {

// A consultation application as submitted, its parts read from the platform's store (null when
// missing there).
struct Application {
  const rapidjson::Value* request = nullptr;      // the ServiceRequest (Task.focus)
  const rapidjson::Value* inviting = nullptr;     // Task.requester's Organization
  const rapidjson::Value* invited = nullptr;      // the invited Organization
  const rapidjson::Value* attending = nullptr;    // ServiceRequest.requester (PractitionerRole)
  const rapidjson::Value* namedExpert = nullptr;  // a PractitionerRole in ServiceRequest.performer
  const rapidjson::Value* consent = nullptr;      // the Consent in ServiceRequest.supportingInfo
  std::string invitedReference;                   // "Organization/…"
  std::string patient;                            // Task.for
  int records = 0;                 // records and images in supportingInfo found on the platform
  bool emergency = false;          // paperwork (records, consent) may follow within 24 h
  bool requirePoolExpert = false;  // workflow.requirePoolExpert
  std::string today;               // YYYY-MM-DD in the workflow's time zone
};

// The required contents and the eligibility rules of DOMAIN.md (A1 §1.2, §1.5, §1.6, §2.1): every
// problem found, none when the application may be submitted.
std::vector<Problem> checkApplication(const Application& application);

// An invited physician: licensed, ≥ 3 years of independent practice, `department` within the
// practice scope (PractitionerRole.specialty), in the expert pool when required.
std::vector<Problem> checkExpert(const rapidjson::Value& role, const std::string& department,
                                 bool requirePool, const std::string& today);

// The requested specialty: ServiceRequest.performerType's department code ("" when none).
std::string requestedDepartment(const rapidjson::Value& request);

}  // namespace medbridge::workflow
