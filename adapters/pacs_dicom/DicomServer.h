#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/core/Config.h"
#include "mappings/dicom/DicomQuery.h"
#include "mappings/dicom/DicomSummary.h"

namespace medbridge::adapters::pacs_dicom {

// Where received instances go once their files are durable. Called concurrently.
class IInstanceSink {
 public:
  virtual ~IInstanceSink() = default;
  // Makes the instances known to the gateway (index rows, patient index) in one transaction;
  // returns for each the file of the earlier copy it replaces ("" when new). A core::Error is
  // answered with its catalogue DIMSE status, any other exception with 0xA700 (out of resources).
  virtual std::vector<std::string> onInstances(
      const std::vector<mappings::dicom::DicomSummary>& instances) = 0;
};

class InstanceArchive;

// Where C-FIND, C-GET and C-MOVE read the instances received so far. Called on association
// threads, concurrently.
class IInstanceSource {
 public:
  virtual ~IInstanceSource() = default;
  // The instances within the filter (every instance when it is empty), oldest first, with their
  // headers (DicomSummary::header).
  virtual std::vector<mappings::dicom::DicomSummary> instances(
      const mappings::dicom::InstanceFilter& filter) = 0;
};

// The DICOM SCP: C-ECHO, C-FIND, C-GET, C-MOVE and C-STORE of every standard storage SOP class in
// the common transfer syntaxes (compressed ones kept as received). One thread per association, at
// most dicom.maxAssociations; more are refused as transient. Success is answered only after the
// instance file is fsync'd and the sink returned (deferred for the sub-operations of a retrieval
// medbridge runs: InstanceArchive). Corrupt data gets a DIMSE error status and nothing is kept;
// the SCP keeps serving. Listens on dicom.host (DCMTK alone would bind every interface).
class DicomServer {
 public:
  DicomServer(const core::DicomConfig& config, InstanceArchive& archive, IInstanceSource& source);
  ~DicomServer();
  DicomServer(const DicomServer&) = delete;
  DicomServer& operator=(const DicomServer&) = delete;
  // Binds and starts accepting; throws core::Error(ConfigInvalid) when the port cannot be bound.
  void start();
  // Stops accepting and waits for the associations in progress.
  void stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace medbridge::adapters::pacs_dicom
