#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace medbridge::core {

enum class AckMode { Original, Enhanced };

struct MllpConfig {
  std::string host = "127.0.0.1";
  int port = 2575;
  std::size_t maxMessageBytes = 16 * 1024 * 1024;
  int idleTimeoutSeconds = 60;
  AckMode ackMode = AckMode::Original;
  bool rejectUnknownTriggers = false;
  int maxConnections = 64;
};

struct HttpConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::size_t maxRequestBytes = 16 * 1024 * 1024;  // larger bodies get 413
  int threads = 16;
};

// A DICOM application entity medbridge talks to (dicom.peers.<AE title>).
struct DicomPeer {
  std::string host;
  int port = 104;
  std::string retrieve = "move";  // how medbridge retrieves from it: "move" or "get"
  // The identifier system of the PatientIDs it keeps (a PACS): $fetch-images queries by it and
  // instances sent to it carry the patient's identifier in it.
  std::string patientIdSystem;
  // true: an instance whose patient has no identifier in patientIdSystem is sent unchanged
  // (false: that forward fails).
  bool forwardUnresolved = false;
  // An http:// DICOMweb base URL: instances are sent to this peer by STOW-RS (as stored) instead
  // of C-STORE, and host/port are not needed.
  std::string stowUrl;
};

struct DicomConfig {
  std::string host = "127.0.0.1";
  int port = 11112;
  std::string aet = "MEDBRIDGE";  // called AE title this SCP answers to
  int maxAssociations = 16;       // associations served at once; more are refused (transient)
  // C-MOVE destinations and SCU targets by AE title.
  std::map<std::string, DicomPeer> peers;
  // true: only peers may associate, each from its own host.
  bool knownPeersOnly = false;
  // A study without a new instance for this long is described as an ImagingStudy.
  int stableSeconds = 60;
};

struct StoreConfig {
  std::string url = "sqlite:data/medbridge.db";
  int maxBatch = 256;  // messages committed in one group-commit transaction at most
};

struct WorkerConfig {
  int count = 2;
  int leaseSeconds = 60;
  int maxAttempts = 5;
  int retryBaseSeconds = 5;
};

struct IdentityConfig {
  // JSON table of identifier systems (mappings/tables/identifier-systems.json shape); "" = built
  // in.
  std::string systemsFile;
};

struct AuthConfig {
  std::string mode = "none";  // none (loopback listeners only) | jwt
  std::string issuer, audience;
  std::vector<std::string> publicKeyFiles;  // PEM, RSA (RS256) or EC P-256 (ES256)
  int leewaySeconds = 60;                   // clock skew allowed on exp / nbf
};

// How medbridge authenticates to the regional platform.
struct RegionalAuthConfig {
  std::string mode = "none";    // none | bearer (a static token) | oauth2 (client credentials)
  std::string bearerTokenFile;  // bearer: a file holding the token
  std::string tokenUrl;         // oauth2: the token endpoint
  std::string clientId;
  std::string clientSecretFile;  // oauth2: a file holding the client secret
  std::string scope;             // oauth2: "" = none asked for
};

// Delivery to the regional platform (issue 6).
struct RegionalConfig {
  std::vector<std::string> urls;  // primary, secondary FHIR base URLs; none = no delivery
  // After a failover, the primary is tried again once this long has passed on the secondary.
  int failbackSeconds = 300;
  // Resource types whose changes are delivered.
  std::set<std::string> resourceTypes = {
      "Patient", "Encounter", "Observation", "DiagnosticReport", "ImagingStudy",
      "DocumentReference", "ServiceRequest", "Task", "Condition", "Procedure", "MedicationRequest",
      "AllergyIntolerance",
      // A consultation's consent, session, report signature and ratings.
      "Consent", "Appointment", "Provenance", "QuestionnaireResponse"};
  int retryMaxSeconds = 600;  // the backoff between attempts grows to this at most
  int maxAttempts = 0;        // a change tried this often is dead-lettered (0 = no limit)
  int maxAgeHours = 168;      // a change waiting this long is dead-lettered (0 = no limit)
  // Circuit breaker: after this many failed attempts in a row nothing is sent for openSeconds,
  // then one Bundle probes.
  int breakerFailures = 5;
  int breakerOpenSeconds = 30;
  int timeoutSeconds = 30;    // connect / read timeout of one exchange
  int concurrentBundles = 4;  // Bundles in flight at once (each patient's changes in one)
  RegionalAuthConfig auth;
  // The alternative to the platform pushing to /regional/inbound: every pollSeconds (0 = never)
  // read Task?owner=<pollOwner>&_lastUpdated=gt<cursor − pollOverlapSeconds> from the platform.
  std::string pollOwner;  // e.g. Organization/zjyy
  int pollSeconds = 0;
  int pollOverlapSeconds = 300;
  std::string caFile;          // https: PEM bundle to verify the platform ("" = the system's)
  std::string clientCertFile;  // https: PEM client certificate for mutual TLS ("" = none)
  std::string clientKeyFile;   // its private key
};

// profile platform: the hospitals' gateways, by the id of the Organization they serve, and the
// base URLs (primary, secondary) of their /regional/inbound endpoints; Tasks owned or requested
// by one of them are delivered there.
struct PlatformConfig {
  std::map<std::string, std::vector<std::string>> hospitals;
};

// Consultation and referral workflows (enforced on the platform).
struct WorkflowConfig {
  // The hospital-internal steps between drafted and submitted, in order.
  std::vector<std::string> submitSteps = {"department-head-signed", "medical-affairs-approved",
                                          "fee-paid"};
  std::string deadlinesFile;  // "" = the built-in table
  int rescheduleNoticeMinutes = 120;
  std::string regionCode;  // GB 2260 prefix of the platform's region ("" = same province)
  int deadlineCheckSeconds = 30;
  bool requirePoolExpert = false;  // invited physicians must be in the expert pool
  // Report signatures: PEM private keys of the experts who sign here and PEM public keys of the
  // experts whose reports are verified here, by PractitionerRole id.
  std::map<std::string, std::string> signingKeys, expertKeys;
  bool requireSignedReport = false;  // completing a consultation needs a verified signature
  // The consult package the inviting hospital sends on submit: records of the last lookbackDays,
  // images fetched from the PACS peer `pacs` ("" = none), the studies pushed to the DICOM peer
  // named for the invited Organization id; the submission waits up to waitSeconds for the
  // package to reach the platform.
  int packageLookbackDays = 30;
  std::string packagePacs;
  std::map<std::string, std::string> imageDestinations;
  int packageWaitSeconds = 30;
};

// Two-way referral rules (docs/referral-workflow.md).
struct ReferralConfig {
  // An upward referral follows a consultation of the patient completed within this many days.
  int priorConsultDays = 30;
  // Result recognition (互认): the performing institutions' levels (hospital-level codes) whose
  // results an institution of the key's level recognises; a level not listed recognises results
  // of its own tier (三级 / 二级 / 一级: the code's first character).
  std::map<std::string, std::vector<std::string>> recognisedLevels;
  // A recognised result counts against a repeat order this many days after it was made.
  int resultValidityDays = 30;
};

// The inviting hospital's HIS, to which consultation reports go back as HL7 v2 over MLLP.
struct HisConfig {
  std::string host;  // "" = no HIS to send to
  int port = 0;
  std::string organization;               // this hospital's Organization id (Task.requester)
  std::string reportMessage = "MDM^T02";  // or "ORU^R01"
  bool statusMessages = false;     // OSU^O51 / RRI^I12 on every new state of its consultations /
                                   // referrals
  bool preAdmitReferrals = false;  // ADT^A05 when a patient referred here is on the way
  std::string reportPacs;          // AE title in dicom.peers: the report's PDF as Encapsulated PDF
  std::string receivingApplication = "HIS", receivingFacility;  // MSH-5, MSH-6
  int timeoutSeconds = 30;                                      // per connection and ACK
};

// The validated, immutable configuration of one gateway instance.
struct GatewayConfig {
  std::string profile = "hospital";
  std::string dataDir = "data";
  std::string logLevel = "information";
  std::string timeZone = "Asia/Shanghai";
  WorkflowConfig workflow;
  ReferralConfig referral;
  HisConfig his;
  // Tests drive time through POST /admin/clock (only with auth.mode none, all on loopback).
  bool controlledClock = false;
  StoreConfig store;
  HttpConfig http;
  MllpConfig mllp;
  DicomConfig dicom;
  WorkerConfig workers;
  IdentityConfig identity;
  AuthConfig auth;
  RegionalConfig regional;
  PlatformConfig platform;
};

// Reads a commented JSON file, applies "key=value" overrides (dot paths) and validates every key.
// Throws core::Error (ConfigUnreadable / ConfigUnknownKey / ConfigInvalid) naming the key.
GatewayConfig loadConfig(const std::string& path, const std::vector<std::string>& overrides);
// Same, from text (tests).
GatewayConfig parseConfig(const std::string& text, const std::vector<std::string>& overrides);

}  // namespace medbridge::core
