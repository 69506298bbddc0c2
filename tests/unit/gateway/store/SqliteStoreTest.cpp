#include "gateway/store/SqliteStore.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <tuple>

#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchIndexer.h"
#include "tests/support/TestSupport.h"

namespace medbridge::store {
namespace {

InboundMessage message(const std::string& controlId, const std::string& raw) {
  InboundMessage m;
  m.channel = "mllp";
  m.sender = "HIS|ZJYY";
  m.controlId = controlId;
  m.messageType = "ADT_A01";
  m.version = "2.5";
  m.charset = "UTF-8";
  m.contentHash = "hash-of-" + raw;
  m.raw = raw;
  m.ack = "ACK for " + controlId;
  m.receivedAt = 1000;
  return m;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  std::string path = dir.file("store.db");
};

TEST_F(SqliteStoreTest, IsDurableByConfiguration) {
  SqliteStore store(path, 64);
  EXPECT_EQ(store.pragma("synchronous"), "2");  // FULL
  EXPECT_EQ(store.pragma("journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, DuplicatesAreAnsweredTheSameAndKeyReuseIsFlagged) {
  SqliteStore store(path, 64);
  AcceptOutcome first = store.accept(message("C1", "body")).get();
  ASSERT_EQ(first.kind, AcceptOutcome::Kind::Stored);
  EXPECT_FALSE(first.keyReused);
  InboundMessage again = message("C1", "body");
  again.ack = "a different ack";
  AcceptOutcome dup = store.accept(again).get();
  EXPECT_EQ(dup.kind, AcceptOutcome::Kind::Duplicate);
  EXPECT_EQ(dup.messageId, first.messageId);
  EXPECT_EQ(dup.ack, "ACK for C1");
  AcceptOutcome reused = store.accept(message("C1", "other body")).get();
  EXPECT_EQ(reused.kind, AcceptOutcome::Kind::Stored);
  EXPECT_TRUE(reused.keyReused);
  auto all = store.messages();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_FALSE(all[0].keyReused);
  EXPECT_TRUE(all[1].keyReused);
  EXPECT_EQ(all[1].raw, "other body");
}

TEST_F(SqliteStoreTest, RawBytesAreKeptExactly) {
  SqliteStore store(path, 64);
  std::string bytes("MSH|\x83\x7c\x00\xff", 8);
  InboundMessage m = message("C2", bytes);
  auto id = store.accept(m).get().messageId;
  EXPECT_EQ(store.message(id)->raw, bytes);
}

TEST_F(SqliteStoreTest, QueueLeasesRetriesAndDeadLetters) {
  SqliteStore store(path, 64);
  auto id = store.accept(message("C3", "x")).get().messageId;
  auto items = store.claim("w1", 10'000, 5'000, 8);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].messageId, id);
  EXPECT_EQ(items[0].attempts, 1);
  EXPECT_TRUE(store.claim("w2", 12'000, 5'000, 8).empty())
      << "leased item must not be claimed twice";
  auto expired = store.claim("w2", 15'000, 5'000, 8);  // the first worker died: its lease ran out
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].attempts, 2);
  store.retryAt(expired[0].id, 30'000, "transient");
  EXPECT_TRUE(store.claim("w3", 29'999, 5'000, 8).empty());
  auto retried = store.claim("w3", 30'000, 5'000, 8);
  ASSERT_EQ(retried.size(), 1u);
  store.deadLetter(retried[0].id, "gave up");
  EXPECT_EQ(store.message(id)->status, kDeadLettered);
  EXPECT_EQ(store.stats().deadLettered, 1);
  EXPECT_EQ(store.stats().queueDepth, 0);
}

TEST_F(SqliteStoreTest, ClaimTakesABatchOldestFirst) {
  SqliteStore store(path, 64);
  for (int i = 0; i < 5; ++i)
    store.accept(message("B" + std::to_string(i), "x" + std::to_string(i))).get();
  auto first = store.claim("w", 0, 1000, 3);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_LT(first[0].id, first[1].id);
  EXPECT_EQ(store.claim("w", 0, 1000, 3).size(), 2u);
  EXPECT_TRUE(store.claim("w", 0, 1000, 3).empty());
}

TEST_F(SqliteStoreTest, QueueSurvivesRestart) {
  {
    SqliteStore store(path, 64);
    store.accept(message("C4", "x")).get();
    ASSERT_EQ(store.claim("w1", 1'000, 60'000, 8).size(),
              1u);  // then the process dies holding the lease
  }
  SqliteStore reopened(path, 64);
  EXPECT_EQ(reopened.stats().queueDepth, 1);
  EXPECT_TRUE(reopened.claim("w1", 2'000, 60'000, 8).empty());
  EXPECT_EQ(reopened.claim("w1", 61'000, 60'000, 8).size(), 1u);
}

TEST_F(SqliteStoreTest, ReleasingLeasesAfterACrashRequeuesAtOnce) {
  SqliteStore store(path, 64);
  store.accept(message("C8", "x")).get();
  ASSERT_EQ(store.claim("w1", 1'000, 60'000, 8).size(), 1u);
  EXPECT_EQ(store.releaseLeases(), 1);
  auto again = store.claim("w2", 1'001, 60'000, 8);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 2);
}

TEST_F(SqliteStoreTest, CompleteWritesOutcomeAndResourcesOnce) {
  SqliteStore store(path, 64);
  auto id = store.accept(message("C5", "x")).get().messageId;
  auto items = store.claim("w", 0, 1000, 8);
  ASSERT_EQ(items.size(), 1u);
  ProcessOutcome o;
  o.queueItemId = items[0].id;
  o.messageId = id;
  o.status = kMapped;
  o.bundle = "{}";
  o.resources = {{"Patient", "p1", R"({"resourceType":"Patient","id":"p1"})", "h1", {}}};
  store.complete({o}, 1'700'000'000'123);
  auto stored = store.message(id);
  EXPECT_EQ(stored->status, kMapped);
  EXPECT_EQ(stored->processCount, 1);
  auto r = store.readResource("Patient", "p1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->lastUpdated, "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(store.stats().queueDepth, 0);
}

TEST_F(SqliteStoreTest, IdenticalUpdateMakesNoNewVersion) {
  SqliteStore store(path, 64);
  EXPECT_EQ(store.putResource("Patient", "p",
                              R"({"resourceType":"Patient","id":"p","gender":"male"})", 1),
            1);
  EXPECT_EQ(store.putResource("Patient", "p",
                              R"({"resourceType":"Patient","id":"p","gender":"male"})", 2),
            1);
  EXPECT_EQ(store.putResource("Patient", "p",
                              R"({"resourceType":"Patient","id":"p","gender":"female"})", 3),
            2);
  auto h = store.history("Patient", "p");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].json, R"({"resourceType":"Patient","id":"p","gender":"male"})");
  EXPECT_EQ(store.readResource("Patient", "p")->version, 2);
}

TEST_F(SqliteStoreTest, ChangesOfSelectedTypesAreQueuedInOrderPerPatient) {
  SqliteStore store(path, 64);
  store.putResource("Patient", "p", R"({"resourceType":"Patient","id":"p"})", 1);  // before
  store.routeChanges([](const ResourceVersion& v, const std::vector<mappings::fhir::IndexEntry>&) {
    return v.type == "Patient" || v.type == "Encounter" ? std::vector<std::string>{""}
                                                        : std::vector<std::string>{};
  });
  store.putResource("Patient", "p", R"({"resourceType":"Patient","id":"p","gender":"male"})", 2);
  store.putResource("Patient", "p", R"({"resourceType":"Patient","id":"p","gender":"male"})", 3);
  store.putResource("Patient", "q", R"({"resourceType":"Patient","id":"q"})", 4);
  // As the FHIR server writes: with the search index the patient is read from.
  std::string encounter = R"({"resourceType":"Encounter","id":"e","status":"finished",)"
                          R"("class":{"code":"AMB"},"subject":{"reference":"Patient/p"}})";
  rapidjson::Document doc;
  ASSERT_FALSE(mappings::fhir::parseJson(encounter, doc));
  store.transact([&](IResourceTx& tx) {
    tx.put({"Encounter", "e", encounter, core::instantOf(5), 1, false}, core::sha256Hex(encounter),
           mappings::fhir::indexEntries(doc));
  });
  store.putResource("Organization", "o", R"({"resourceType":"Organization","id":"o"})", 6);
  auto queued = store.deliveries({std::nullopt, "", 0, 10});
  std::vector<std::tuple<std::string, std::int64_t, std::string, std::string, int>> got;
  for (const auto& d : queued) got.emplace_back(d.patient, d.seq, d.type, d.resourceId, d.version);
  // The identical write made no version, so nothing to deliver; the Organization is not selected.
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, std::int64_t, std::string, std::string, int>>{
                     {"Patient/p", 1, "Patient", "p", 2},
                     {"Patient/q", 1, "Patient", "q", 1},
                     {"Patient/p", 2, "Encounter", "e", 1}}));
  for (const auto& d : queued) EXPECT_EQ(d.state, "pending");
  // Each names its version's row, read back by key.
  auto versions = store.deliveredVersions(queued);
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0]->json, R"({"resourceType":"Patient","id":"p","gender":"male"})");
  EXPECT_EQ(versions[0]->version, 2);
  EXPECT_EQ(versions[2]->json, encounter);
  EXPECT_EQ(store.deliveries({std::string("elsewhere"), "pending", 0, 10}).size(), 0u);
  EXPECT_EQ(store.deliveries({std::string(""), "pending", queued[0].id, 10}).size(), 2u);
}

TEST_F(SqliteStoreTest, FailedCommitAcceptsNothing) {
  SqliteStore store(path, 64);
  store.setFailWrites(true);
  AcceptOutcome o = store.accept(message("C6", "x")).get();
  EXPECT_EQ(o.kind, AcceptOutcome::Kind::Failed);
  EXPECT_FALSE(store.healthy());
  store.setFailWrites(false);
  EXPECT_TRUE(store.messages().empty());
}

TEST_F(SqliteStoreTest, RefusesASchemaNewerThanTheBinary) {
  { SqliteStore store(path, 64); }
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "UPDATE schema_version SET version = 999", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    SqliteStore store(path, 64);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::StoreSchemaTooNew);
  }
}

TEST_F(SqliteStoreTest, SnapshotIsAConsistentCopy) {
  SqliteStore store(path, 64);
  store.accept(message("C7", "x")).get();
  store.putResource("Patient", "p", "{}", 1);
  store.snapshotTo(dir.file("copy.db"));
  SqliteStore copy(dir.file("copy.db"), 64);
  EXPECT_EQ(copy.messages().size(), 1u);
  EXPECT_EQ(copy.readResource("Patient", "p")->json, "{}");
}

}  // namespace
}  // namespace medbridge::store
