#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gateway/identity/IIndexTables.h"
#include "mappings/dicom/DicomQuery.h"
#include "mappings/dicom/DicomSummary.h"
#include "mappings/fhir/SearchIndexer.h"
#include "mappings/fhir/SearchQuery.h"

namespace medbridge::store {

// Message statuses as stored.
inline constexpr const char* kReceived = "Received";
inline constexpr const char* kMapped = "Mapped";
inline constexpr const char* kUnmapped = "Unmapped";
inline constexpr const char* kFailed = "Failed";
inline constexpr const char* kDeadLettered = "DeadLettered";

struct InboundMessage {
  std::string channel;             // "mllp"
  std::string sender;              // MSH-3|MSH-4
  std::string controlId;           // MSH-10
  std::string messageType;         // "ADT_A01"
  std::string version;             // MSH-12
  std::string charset;             // wire encoding (iconv name)
  std::string contentHash;         // SHA-256 of the raw bytes
  std::string raw;                 // the bytes as received
  std::string ack;                 // the acknowledgement to return (wire encoding)
  std::string status = kReceived;  // kReceived queues it for processing; others are final
  std::string error;
  std::int64_t receivedAt = 0;  // ms since epoch
};

struct AcceptOutcome {
  enum class Kind { Stored, Duplicate, Failed };
  Kind kind = Kind::Failed;
  std::int64_t messageId = 0;
  bool keyReused = false;  // same sender + control id as an earlier message, different content
  std::string ack;         // for a duplicate: the ACK first sent
  std::string error;
};

struct QueueItem {
  std::int64_t id = 0;
  std::int64_t messageId = 0;
  int attempts = 0;
};

struct StoredMessage {
  std::int64_t id = 0;
  std::string channel, sender, controlId, messageType, charset, contentHash, raw, ack, status;
  std::string bundle, issues, unmappedSegments, identityInstruction, error;
  bool keyReused = false;
  int processCount = 0;
  std::int64_t receivedAt = 0;
};

struct ResourceVersion {
  std::string type, id, json, lastUpdated;
  int version = 0;
  bool deleted = false;
};

// A resource version to write: JSON without meta.versionId/lastUpdated, the SHA-256 of that JSON
// and its search index entries (both computed by the caller, off the writer thread).
struct ResourceWrite {
  std::string type, id, json, hash;
  std::vector<mappings::fhir::IndexEntry> index;
};

// FHIR interactions inside one write transaction (IStore::transact): what they read is what
// their writes build on, so conditional creates, version checks and Bundles are serialised.
class IResourceTx {
 public:
  virtual ~IResourceTx() = default;
  // The latest version (a deleted resource too: deleted = true, json empty).
  virtual std::optional<ResourceVersion> current(const std::string& type,
                                                 const std::string& id) = 0;
  // Appends version `v.version` (the current version + 1, or 1) and replaces the resource's
  // search index with `index` (the store adds _lastUpdated). A deleted version has no index.
  virtual void put(const ResourceVersion& v, const std::string& contentHash,
                   const std::vector<mappings::fhir::IndexEntry>& index) = 0;
  virtual std::vector<std::string> search(const mappings::fhir::SearchQuery& q) = 0;
  // The master patient index, in the same transaction.
  virtual identity::IIndexTables& patientIndex() = 0;
  // Records a received DICOM instance (replacing an earlier row for the same SOP Instance UID);
  // masterPatient: the index's patient for it (0 when its identifiers link nobody). Returns the
  // file of the row it replaced ("" when none).
  virtual std::string putDicomInstance(const mappings::dicom::DicomSummary& instance,
                                       identity::PatientId masterPatient,
                                       std::int64_t receivedAtMs) = 0;
  // Records that the study's ImagingStudy describes its instances received up to lastInstanceAt.
  virtual void markStudyPublished(const std::string& studyUid, std::int64_t lastInstanceAt) = 0;
  // Queues the current version of type/id (unless deleted or missing) for `destination` as a
  // change of `patient` (mappings/fhir/PatientKey): a consult package shared with the invited
  // hospital. False when there is no version to queue.
  virtual bool deliverCurrent(const std::string& type, const std::string& id,
                              const std::string& destination, const std::string& patient) = 0;
  // Queues an HL7 v2 message of `kind` ("report", "status") about Task/taskId at `taskVersion`
  // for the HIS, once per version and kind; false when it was queued before.
  virtual bool queueHisMessage(const std::string& taskId, int taskVersion, const std::string& kind,
                               std::int64_t nowMs) = 0;
  // The versions this transaction writes are replicas of the platform's resources: none is
  // queued for delivery.
  virtual void replicaOfPlatform() = 0;
  // The platform's version of a replicated resource last applied here (0 when none).
  virtual std::int64_t replicaVersion(const std::string& type, const std::string& id) = 0;
  virtual void setReplicaVersion(const std::string& type, const std::string& id,
                                 std::int64_t versionId) = 0;
};

// Where a new resource version is delivered (the store calls it in the version's transaction):
// destinations — "" the regional platform, else a hospital — or none.
using DeliveryRouter = std::function<std::vector<std::string>(
    const ResourceVersion&, const std::vector<mappings::fhir::IndexEntry>&)>;

// A message waiting to be sent to the HIS (his_outbox).
struct HisMessage {
  std::int64_t id = 0;
  std::string taskId;
  int taskVersion = 0;
  std::string kind;
  int attempts = 0;
};

// One instance waiting to be sent to a DICOM peer.
struct DicomForward {
  std::int64_t id = 0;
  std::string sopInstanceUid, peer;
  int attempts = 0;
};

// A resource version queued for the regional platform (issue 6's outbox). `seq` numbers the
// changes of one patient (`patient`, mappings/fhir/PatientKey) from 1, in commit order.
struct Delivery {
  std::int64_t id = 0;
  std::string destination;  // "" = the regional platform
  std::string patient;
  std::int64_t seq = 0;
  std::string type, resourceId;
  int version = 0;
  std::string state;  // pending, sent, dead, discarded
  int attempts = 0;
  std::int64_t availableAt = 0;  // ms; a pending delivery is not sent before
  std::string lastError;
  std::int64_t createdAt = 0;   // ms: when the version was written
  std::int64_t versionSeq = 0;  // the version's row (0: unknown, found by resource and version)
};

// Which deliveries to list: of one destination (nullopt = any) and state ("" = any), after an
// id, oldest first.
struct DeliveryFilter {
  std::optional<std::string> destination;
  std::string state;
  std::int64_t afterId = 0;
  int limit = 100;
};

// The delivery queue at a glance.
struct DeliveryStats {
  std::map<std::string, std::int64_t> byState;
  std::int64_t oldestPendingCreatedAt = 0;  // ms; 0 when nothing is pending
};

// How a delivery attempt ended.
struct DeliveryOutcome {
  std::int64_t id = 0;
  std::string state;             // sent, pending (again, from availableAt) or dead
  std::int64_t availableAt = 0;  // pending: when to try again
  std::string error;             // pending / dead: why (a dead one keeps the platform's answer)
  bool attempted = true;         // false: dead-lettered by the age / attempts policy, unsent
};

// A study with instances its ImagingStudy does not describe yet.
struct PendingStudy {
  std::string studyUid;
  std::int64_t lastInstanceAt = 0;  // ms since epoch
};

// What processing a message produced, committed in one transaction with the queue item's end.
struct ProcessOutcome {
  std::int64_t queueItemId = 0;
  std::int64_t messageId = 0;
  std::string status;  // kMapped / kUnmapped / kFailed
  std::string bundle, issues, unmappedSegments, identityInstruction, error;
  std::vector<ResourceWrite> resources;
  // Patient-index work, run inside the same transaction (so concurrent messages about one new
  // patient never create two master records). It returns "" or why it was rejected; a rejected
  // update changes nothing for this message: its status becomes Failed with that error.
  std::function<std::string(identity::IIndexTables&)> indexUpdate;
};

// One identifier in the master patient index.
struct IndexedIdentifier {
  std::string system, value, type, resourceId;
};

// A merge, unmerge, identifier change or unlink in the patient index (IIndexTables::addEvent).
struct IdentityEvent {
  std::int64_t seq = 0;
  std::int64_t at = 0;         // ms since epoch
  std::string kind;            // merge, unmerge, change-identifier, unlink
  std::string payload;         // JSON: kind, patient / other identifiers, the identifier concerned
  std::int64_t messageId = 0;  // the HL7 message that caused it (0: a FHIR operation)
};

struct StoreStats {
  std::map<std::string, std::int64_t> messagesByStatus;
  std::int64_t queueDepth = 0;  // ready + leased items
  std::int64_t deadLettered = 0;
};

// The durable store. Every write is committed before its future is ready; an implementation
// may commit many writes in one transaction (group commit). A PostgreSQL backend implements the
// same interface later.
class IStore {
 public:
  virtual ~IStore() = default;
  virtual std::future<AcceptOutcome> accept(InboundMessage message) = 0;
  // Leases up to `max` due items (oldest first) in one commit.
  virtual std::vector<QueueItem> claim(const std::string& owner, std::int64_t nowMs,
                                       std::int64_t leaseMs, int max) = 0;
  // Commits the outcomes, their resources and the end of their queue items in one transaction.
  virtual void complete(const std::vector<ProcessOutcome>& outcomes, std::int64_t nowMs) = 0;
  virtual void retryAt(std::int64_t queueItemId, std::int64_t atMs, const std::string& error) = 0;
  virtual void deadLetter(std::int64_t queueItemId, const std::string& error) = 0;
  // Makes every leased item claimable now; returns how many. For a gateway starting on a store
  // no other live process works on (the embedded SQLite store): leases left by a crash.
  virtual int releaseLeases() = 0;

  virtual std::optional<StoredMessage> message(std::int64_t id) = 0;
  virtual std::vector<StoredMessage> messages() = 0;
  virtual std::optional<ResourceVersion> readResource(const std::string& type,
                                                      const std::string& id) = 0;
  virtual std::vector<ResourceVersion> history(const std::string& type, const std::string& id) = 0;
  virtual std::optional<ResourceVersion> readVersion(const std::string& type, const std::string& id,
                                                     int version) = 0;
  // The latest versions of these resources (missing and deleted ones left out), in order.
  virtual std::vector<ResourceVersion> readResources(const std::string& type,
                                                     const std::vector<std::string>& ids) = 0;
  // Versions of every resource of `type` ("" = every type), newest first, written at or after
  // sinceMs, at most `limit`.
  virtual std::vector<ResourceVersion> changes(const std::string& type, std::int64_t sinceMs,
                                               int limit) = 0;
  // Runs `work` on the writer inside its own savepoint of the next group commit and waits for
  // the commit. An exception thrown by `work` undoes all it wrote and is rethrown here.
  virtual void transact(const std::function<void(IResourceTx&)>& work) = 0;
  // FHIR search over the search index: ids of matching resources, ordered.
  virtual std::vector<std::string> search(const mappings::fhir::SearchQuery& q) = 0;
  // _revinclude: ids of `type` resources whose `param` references one of `targets`.
  virtual std::vector<std::string> referring(const std::string& type, const std::string& param,
                                             const std::vector<std::string>& targets) = 0;
  // _include: the "Type/id" references `param` of type/id holds.
  virtual std::vector<std::string> referencesOf(const std::string& type, const std::string& id,
                                                const std::string& param) = 0;
  // Writes a new version unless the JSON is identical to the current one; returns the version.
  virtual int putResource(const std::string& type, const std::string& id, const std::string& json,
                          std::int64_t nowMs) = 0;
  virtual StoreStats stats() = 0;
  // Every identifier of the master patient holding (system, value), the identifiers of patients
  // merged into it included; nullopt when no patient holds it.
  virtual std::optional<std::vector<IndexedIdentifier>> crossReference(
      const std::string& system, const std::string& value) = 0;
  // Patient-index change events after `afterSeq`, oldest first, at most `limit`.
  virtual std::vector<IdentityEvent> identityEvents(std::int64_t afterSeq, int limit) = 0;
  // Whether an accepted message still waiting to be processed contains `text` in its raw bytes
  // (a merge may name a patient whose registration is accepted but not yet indexed).
  virtual bool pendingMessageMentions(const std::string& text) = 0;
  // Studies whose last instance came at or before quietSinceMs and after their ImagingStudy was
  // last written, oldest first, at most `limit`.
  virtual std::vector<PendingStudy> studiesToPublish(std::int64_t quietSinceMs, int limit) = 0;
  // Queues the instances for C-STORE to `peer` (committed before it returns); their ids.
  virtual std::vector<std::int64_t> queueDicomForwards(const std::vector<std::string>& sopUids,
                                                       const std::string& peer,
                                                       std::int64_t nowMs) = 0;
  // Forwards due at nowMs, oldest first, at most `limit`.
  virtual std::vector<DicomForward> dueDicomForwards(std::int64_t nowMs, int limit) = 0;
  // Ends an attempt: state "done", "failed" (for good) or "ready" again at retryAtMs.
  virtual void finishDicomForward(std::int64_t id, const std::string& state,
                                  const std::string& error, std::int64_t retryAtMs) = 0;
  // The state and last error of a forward ("" when unknown).
  virtual std::pair<std::string, std::string> dicomForwardState(std::int64_t id) = 0;
  // HIS messages ready to send at nowMs, oldest first; an attempt's end: state "done" (with the
  // message's control id), "failed" (refused: the ACK's error) or "ready" again at retryAtMs.
  virtual std::vector<HisMessage> dueHisMessages(std::int64_t nowMs, int limit) = 0;
  virtual void finishHisMessage(std::int64_t id, const std::string& state, const std::string& error,
                                const std::string& controlId, std::int64_t retryAtMs) = 0;
  // From now on every new version is queued, in the transaction that writes it, for the
  // destinations the router names.
  virtual void routeChanges(DeliveryRouter router) = 0;
  virtual std::vector<Delivery> deliveries(const DeliveryFilter& filter) = 0;
  // The resource version each delivery names (nullopt where it is gone), in order.
  virtual std::vector<std::optional<ResourceVersion>> deliveredVersions(
      const std::vector<Delivery>& batch) = 0;
  // Records outcomes (each attempted one counts one more attempt).
  virtual void finishDeliveries(const std::vector<DeliveryOutcome>& outcomes) = 0;
  // Of one destination (nullopt = all).
  virtual DeliveryStats deliveryStats(const std::optional<std::string>& destination) = 0;
  // Dead-lettered deliveries of these ids made pending again (due now) / discarded; how many.
  virtual int requeueDeliveries(const std::vector<std::int64_t>& ids) = 0;
  virtual int discardDeliveries(const std::vector<std::int64_t>& ids) = 0;
  // Small durable settings of the gateway's own (a paused destination, a poll cursor); "" unset.
  virtual std::string setting(const std::string& name) = 0;
  virtual void putSetting(const std::string& name, const std::string& value) = 0;
  // Received DICOM instances within the filter (all when it is empty), oldest first.
  virtual std::vector<mappings::dicom::DicomSummary> dicomInstances(
      const mappings::dicom::InstanceFilter& filter) = 0;
  virtual std::string pragma(const std::string& name) = 0;
  virtual bool healthy() = 0;
  // A consistent online copy of the database into `file`.
  virtual void snapshotTo(const std::string& file) = 0;
};

}  // namespace medbridge::store
