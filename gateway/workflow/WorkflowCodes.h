#pragma once

// The code systems and extensions of medbridge's workflow resources
// (docs/consultation-workflow.md, docs/referral-workflow.md).
namespace medbridge::workflow {

inline constexpr const char* kTaskCodeSystem = "urn:medbridge:codesystem:workflow-task";
inline constexpr const char* kBusinessStatusSystem =
    "urn:medbridge:codesystem:workflow-business-status";
inline constexpr const char* kReasonSystem = "urn:medbridge:codesystem:workflow-reason";
inline constexpr const char* kServiceTypeSystem =
    "urn:medbridge:codesystem:consultation-service-type";
inline constexpr const char* kTaskInputSystem = "urn:medbridge:codesystem:workflow-task-input";
inline constexpr const char* kFlagSystem = "urn:medbridge:codesystem:workflow-flag";
inline constexpr const char* kFunctionSystem = "urn:medbridge:codesystem:practitioner-function";
inline constexpr const char* kActorExtension = "urn:medbridge:extension:workflow-actor";
inline constexpr const char* kInvitedExtension = "urn:medbridge:extension:invited-organization";
inline constexpr const char* kDeadlineExtension = "urn:medbridge:extension:deadline";
inline constexpr const char* kRegionExtension = "urn:medbridge:extension:region-code";
inline constexpr const char* kBreachedFlag = "deadline-breached";
inline constexpr const char* kDepartmentSystem = "urn:medbridge:codesystem:department";
inline constexpr const char* kTitleSystem = "urn:medbridge:codesystem:professional-title";
inline constexpr const char* kLevelSystem = "urn:medbridge:codesystem:hospital-level";
// Reference data (docs/consultation-workflow.md, "Reference data").
inline constexpr const char* kLevelExtension = "urn:medbridge:extension:hospital-level";
inline constexpr const char* kDepartmentExtension = "urn:medbridge:extension:registered-department";
inline constexpr const char* kQualifiedExtension = "urn:medbridge:extension:telemedicine-qualified";
inline constexpr const char* kLicenseExtension = "urn:medbridge:extension:practice-license";
inline constexpr const char* kPracticeSinceExtension =
    "urn:medbridge:extension:independent-practice-since";
inline constexpr const char* kPoolExtension = "urn:medbridge:extension:expert-pool";
inline constexpr const char* kAccidentExtension = "urn:medbridge:extension:medical-accident";
inline constexpr const char* kEmployerApprovalExtension =
    "urn:medbridge:extension:employer-approved";
inline constexpr const char* kTrainingExtension = "urn:medbridge:extension:telemedicine-trained";
// Referral (docs/referral-workflow.md).
inline constexpr const char* kReferralDirectionSystem =
    "urn:medbridge:codesystem:referral-direction";
inline constexpr const char* kReferralIndicationSystem =
    "urn:medbridge:codesystem:referral-indication";
inline constexpr const char* kPatientFlagSystem = "urn:medbridge:codesystem:patient-flag";
inline constexpr const char* kAffiliationSystem = "urn:medbridge:codesystem:affiliation";
inline constexpr const char* kRecognitionSystem = "urn:medbridge:codesystem:result-recognition";
inline constexpr const char* kReferralTaskExtension = "urn:medbridge:extension:referral-task";
inline constexpr const char* kRecognisedByExtension = "urn:medbridge:extension:recognised-by";
inline constexpr const char* kReferralPriorityExtension =
    "urn:medbridge:extension:referral-priority";
inline constexpr const char* kFeeWaivedExtension =
    "urn:medbridge:extension:registration-fee-waived";

}  // namespace medbridge::workflow
