#pragma once
// An application from the HIS that starts a workflow: a remote consultation
// (docs/consultation-workflow.md, "Applications from the HIS": ServiceRequest.code a consultation
// service type; REF^I12 names the parties in PRD segments, OMG^O19 in PRT segments) or a two-way
// referral (docs/referral-workflow.md, "From the HIS": REF^I12 whose RF1-3 is a referral
// direction). The workflow Task is proposed to the platform by the gateway, not mapped.
#include <string>
#include <vector>

#include "mappings/hl7v2/MapState.h"

namespace medbridge::mappings::hl7v2 {

struct ApplicationParty {
  std::string role;        // "RP" referring (the requester), "RT" referred to (the invited side)
  std::string reference;   // "PractitionerRole/<id>" or "Organization/<id>" on the platform
  std::string department;  // the invited department's code (MBDEPT), "" when not given
};

// The workflow the ServiceRequest starts, from its code: "consultation" (a consultation service
// type, MBCST), "referral" (a referral direction, MBREFDIR) or "" (none).
std::string applicationKind(const Value& sr);

// Makes `sr` an application of that kind: category workflow-task|<kind>, requester and performers
// from the parties, performerType from the first invited department, occurrence = the suggested
// time (kept as mapped when `suggested` is "").
void workflowApplication(MapState& s, Value& sr, const std::string& kind,
                         const std::string& suggested,
                         const std::vector<ApplicationParty>& parties);

}  // namespace medbridge::mappings::hl7v2
