#pragma once

// An Ingestor on a fresh SQLite store with a fixed clock (2026-11-18), no processor running.
#include <gtest/gtest.h>

#include "gateway/routing/Ingestor.h"
#include "gateway/store/SqliteStore.h"
#include "tests/support/TestSupport.h"

namespace medbridge::routing {

class FixedClock : public core::IClock {
 public:
  std::int64_t nowMillis() const override { return 1'795'000'000'000; }
};

class IngestorFixture : public ::testing::Test {
 protected:
  testing::TempDir dir;
  store::SqliteStore store{dir.file("s.db"), 16};
  core::MllpConfig config;
  core::Metrics metrics;
  FixedClock clock;
  Ingestor ingestor{store, config, metrics, clock};
};

}  // namespace medbridge::routing
