#pragma once
// Referral data on top of the consultation region (ConsultationSupport.h): the agreement between
// the county and the tertiary hospital, referral applications and their Tasks.
#include <string>

#include "tests/integration/ConsultationSupport.h"

namespace medbridge::testing {

// An active referral agreement between two institutions (OrganizationAffiliation).
inline std::string agreement(const std::string& id, const std::string& primary,
                             const std::string& participating) {
  return R"({"resourceType":"OrganizationAffiliation","id":")" + id +
         R"(","active":true,"period":{"start":"2026-01-01"},"organization":{"reference":"Organization/)" +
         primary + R"("},"participatingOrganization":{"reference":"Organization/)" + participating +
         R"("},"code":[{"coding":[{"system":"urn:medbridge:codesystem:affiliation","code":"referral-agreement"}]}]})";
}

// A referral application for Patient/p1: direction upward / downward, an indication, the
// receiving organisation, then `extra` members (basedOn, supportingInfo…).
inline std::string referralRequest(const std::string& id, const std::string& direction,
                                   const std::string& indication, const std::string& receiving,
                                   const std::string& extra) {
  return R"({"resourceType":"ServiceRequest","id":")" + id +
         R"(","status":"active","intent":"order","category":[{"coding":[{"system":"urn:medbridge:codesystem:workflow-task","code":"referral"}]}],)"
         R"("code":{"coding":[{"system":"urn:medbridge:codesystem:referral-direction","code":")" +
         direction +
         R"("}]},"subject":{"reference":"Patient/p1"},"requester":{"reference":"PractitionerRole/doc"},)"
         R"("performer":[{"reference":"Organization/)" +
         receiving +
         R"("}],"reasonCode":[{"coding":[{"system":"urn:medbridge:codesystem:referral-indication","code":")" +
         indication + "\"}]}]" + extra + "}";
}

// A referral Task, submitted by the county's physician unless told otherwise.
inline std::string referralTask(const std::string& id, const std::string& request,
                                const std::string& receiving = "tertiary",
                                const std::string& extra = "",
                                const std::string& sending = "county",
                                const std::string& actor = "PractitionerRole/doc") {
  return R"({"resourceType":"Task","id":")" + id +
         R"(","extension":[{"url":"urn:medbridge:extension:workflow-actor","valueReference":{"reference":")" +
         actor +
         R"("}}],"status":"requested","intent":"order","code":{"coding":[{"system":"urn:medbridge:codesystem:workflow-task","code":"referral"}]},)"
         R"("businessStatus":{"coding":[{"system":"urn:medbridge:codesystem:workflow-business-status","code":"submitted"}]},"focus":{"reference":"ServiceRequest/)" +
         request +
         R"("},"for":{"reference":"Patient/p1"},"requester":{"reference":"Organization/)" +
         sending + R"("},"owner":{"reference":"Organization/)" + receiving + "\"}" + extra + "}";
}

}  // namespace medbridge::testing
