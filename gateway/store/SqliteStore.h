#pragma once

#include <Poco/Data/Session.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "gateway/store/IStore.h"
#include "gateway/store/SqliteReaderPool.h"
#include "gateway/store/SqliteStatement.h"

namespace medbridge::store {

// SQLite through Poco::Data. WAL with synchronous=FULL; every write runs on one writer thread,
// which commits all pending writes in one BEGIN IMMEDIATE transaction (group commit). Each write
// runs inside its own SAVEPOINT so one failing write does not undo the others.
class SqliteStore : public IStore {
 public:
  // Opens (creating when missing) and migrates. Throws core::Error on a newer schema.
  SqliteStore(const std::string& path, int maxBatch);
  ~SqliteStore() override;

  std::future<AcceptOutcome> accept(InboundMessage message) override;
  std::vector<QueueItem> claim(const std::string& owner, std::int64_t nowMs, std::int64_t leaseMs,
                               int max) override;
  void complete(const std::vector<ProcessOutcome>& outcomes, std::int64_t nowMs) override;
  void retryAt(std::int64_t queueItemId, std::int64_t atMs, const std::string& error) override;
  void deadLetter(std::int64_t queueItemId, const std::string& error) override;
  int releaseLeases() override;
  std::optional<StoredMessage> message(std::int64_t id) override;
  std::vector<StoredMessage> messages() override;
  std::optional<ResourceVersion> readResource(const std::string& type,
                                              const std::string& id) override;
  std::vector<ResourceVersion> history(const std::string& type, const std::string& id) override;
  std::optional<ResourceVersion> readVersion(const std::string& type, const std::string& id,
                                             int version) override;
  std::vector<ResourceVersion> readResources(const std::string& type,
                                             const std::vector<std::string>& ids) override;
  std::vector<ResourceVersion> changes(const std::string& type, std::int64_t sinceMs,
                                       int limit) override;
  void transact(const std::function<void(IResourceTx&)>& work) override;
  std::vector<std::string> search(const mappings::fhir::SearchQuery& q) override;
  std::vector<std::string> referring(const std::string& type, const std::string& param,
                                     const std::vector<std::string>& targets) override;
  std::vector<std::string> referencesOf(const std::string& type, const std::string& id,
                                        const std::string& param) override;
  int putResource(const std::string& type, const std::string& id, const std::string& json,
                  std::int64_t nowMs) override;
  StoreStats stats() override;
  std::optional<std::vector<IndexedIdentifier>> crossReference(const std::string& system,
                                                               const std::string& value) override;
  std::vector<IdentityEvent> identityEvents(std::int64_t afterSeq, int limit) override;
  bool pendingMessageMentions(const std::string& text) override;
  std::vector<PendingStudy> studiesToPublish(std::int64_t quietSinceMs, int limit) override;
  std::vector<std::int64_t> queueDicomForwards(const std::vector<std::string>& sopUids,
                                               const std::string& peer,
                                               std::int64_t nowMs) override;
  std::vector<DicomForward> dueDicomForwards(std::int64_t nowMs, int limit) override;
  void finishDicomForward(std::int64_t id, const std::string& state, const std::string& error,
                          std::int64_t retryAtMs) override;
  std::vector<HisMessage> dueHisMessages(std::int64_t nowMs, int limit) override;
  void finishHisMessage(std::int64_t id, const std::string& state, const std::string& error,
                        const std::string& controlId, std::int64_t retryAtMs) override;
  std::pair<std::string, std::string> dicomForwardState(std::int64_t id) override;
  void routeChanges(DeliveryRouter router) override;
  std::vector<Delivery> deliveries(const DeliveryFilter& filter) override;
  std::vector<std::optional<ResourceVersion>> deliveredVersions(
      const std::vector<Delivery>& batch) override;
  void finishDeliveries(const std::vector<DeliveryOutcome>& outcomes) override;
  DeliveryStats deliveryStats(const std::optional<std::string>& destination) override;
  int requeueDeliveries(const std::vector<std::int64_t>& ids) override;
  int discardDeliveries(const std::vector<std::int64_t>& ids) override;
  std::string setting(const std::string& name) override;
  void putSetting(const std::string& name, const std::string& value) override;
  std::vector<mappings::dicom::DicomSummary> dicomInstances(
      const mappings::dicom::InstanceFilter& filter) override;
  std::string pragma(const std::string& name) override;
  bool healthy() override;
  void snapshotTo(const std::string& file) override;

  // Test hook: make every write fail as if the disk were gone.
  void setFailWrites(bool fail) { failWrites_ = fail; }

 private:
  using Session = Poco::Data::Session;
  struct Writer;  // the writer connection and its prepared statements
  struct Lookup;  // patient-index queries on the reader connection
  struct Job {
    std::function<void(Writer&)> run;
    std::function<void(const std::string& error)> done;  // error empty = committed
    std::chrono::steady_clock::time_point queuedAt{};    // set by submit()
  };
  // Takes the next group of jobs (waits while there is none); empty when stopping.
  std::vector<Job> nextBatch();
  // Urgent jobs (ingest: a peer waits for its ACK) go before background ones (processing).
  void submit(Job job, bool urgent);
  // Runs fn on the writer thread inside the group transaction and waits for the commit.
  void write(std::function<void(Writer&)> fn, bool urgent = false);
  void writerLoop();
  void checkpointLoop();
  // Applies pending migrations; returns the schema version found.
  int migrate(Session& s);
  static int putResourceIn(Writer& w, const ResourceWrite& r, std::int64_t nowMs);
  // Queues version `v` for `destination` with its patient's next sequence number there.
  static void queueDelivery(Writer& w, const ResourceVersion& v, std::int64_t versionSeq,
                            const std::string& patient, const std::string& destination);
  // Appends v after the resource's latest version and replaces its search index entries.
  static void appendVersion(Writer& w, const ResourceVersion& v, const std::string& hash,
                            const std::vector<mappings::fhir::IndexEntry>& index);
  // Indexes every current resource (after the migration that added the search index).
  void reindexAll();
  class ResourceTx;

  std::string path_;
  int maxBatch_;
  std::unique_ptr<Session> writer_;
  std::unique_ptr<Session> reader_;
  std::unique_ptr<SqliteReaderPool> readers_;  // FHIR reads and searches
  std::unique_ptr<SqliteStatement> messageById_;
  std::unique_ptr<Lookup> lookup_;  // on reader_, under readerMutex_
  std::mutex readerMutex_;
  std::mutex jobsMutex_;
  std::condition_variable jobsCv_;
  std::deque<Job> urgentJobs_;
  std::deque<Job> backgroundJobs_;
  std::chrono::steady_clock::time_point lastUrgentAt_;
  bool stopping_ = false;
  std::atomic<bool> failWrites_{false};
  std::atomic<bool> writerHealthy_{true};
  std::thread writerThread_;
  std::mutex checkpointMutex_;
  std::condition_variable checkpointCv_;
  bool stopCheckpoints_ = false;
  std::thread checkpointThread_;
};

}  // namespace medbridge::store
