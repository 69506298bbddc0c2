#pragma once

// What the DICOM integration tests share: dcmtk's tools with Nagle off, instances made by
// dump2dcm, the sample files of Debian's python3-pydicom, and what a file holds.
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/core/Hash.h"
#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {

inline const std::string kPydicomFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files/";
inline const std::string kPydicomCharsets =
    "/usr/lib/python3/dist-packages/pydicom/data/charset_files/";

// dcmtk's SCU tools, with Nagle off as DESIGN.md says.
inline CommandResult dcmtk(const std::string& tool, std::vector<std::string> args) {
  std::vector<std::string> argv{"env", "TCP_NODELAY=1", tool};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv);
}

// A small Secondary Capture instance made by dcmtk's dump2dcm from header lines.
inline std::string makeInstance(const TempDir& dir, const std::string& name,
                                const std::string& headerLines) {
  std::string dump = dir.file(name + ".dump"), file = dir.file(name + ".dcm");
  writeFile(dump, headerLines +
                      "(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0010) US 2\n"
                      "(0028,0011) US 2\n(0028,0100) US 8\n(0028,0101) US 8\n(0028,0102) US 7\n"
                      "(0028,0103) US 0\n(7fe0,0010) OB 01\\02\\03\\04\n");
  CommandResult r = runCommand({"dump2dcm", "+te", dump, file});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  return file;
}

// One printed attribute of a file ("" when absent), e.g. "[X1EXAMPLE]" or "=JPEG2000".
inline std::string attribute(const std::string& file, const std::string& tag) {
  CommandResult r = runCommand({"dcmdump", "-q", "-s", "+P", tag, file});
  std::istringstream line(r.out);
  std::string t, vr, value;
  line >> t >> vr >> value;
  return value;
}

// The SHA-256 of a file's pixel data as dcmdump prints it in full.
inline std::string pixelHash(const std::string& file) {
  return core::sha256Hex(runCommand({"dcmdump", "-q", "+L", "+P", "7fe0,0010", file}).out);
}

// The file medbridge keeps an instance in, from its index row ("" when none).
inline std::string keptFile(const std::string& db, const std::string& sopInstanceUid) {
  auto rows = sqliteQuery(
      db, "SELECT file FROM dicom_instances WHERE sop_instance_uid = '" + sopInstanceUid + "'");
  return rows.empty() ? "" : rows[0][0];
}

// Files in medbridge's DICOM storage that no index row points to (once it has stopped, when its
// unused pool files are gone): half-received or refused data left behind.
inline std::vector<std::string> unindexedFiles(const std::string& dataDir, const std::string& db) {
  std::set<std::string> indexed;
  for (const auto& row : sqliteQuery(db, "SELECT file FROM dicom_instances"))
    indexed.insert(row[0]);
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dataDir + "/dicom"))
    if (e.is_regular_file() && !indexed.count(e.path().string())) out.push_back(e.path().string());
  return out;
}

}  // namespace medbridge::testing
