#include "adapters/pacs_dicom/DicomFiles.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>

#include "tests/support/TestSupport.h"

namespace medbridge::adapters::pacs_dicom {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string today() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char buf[9];
  std::strftime(buf, sizeof buf, "%Y%m%d", &local);
  return buf;
}

TEST(FilePool, HandsOutEmptyFilesMadeInBatchesAndRemovesTheUnusedOnes) {
  TempDir dir;
  std::string day = dir.path() + "/" + today();
  std::string first, second, third;
  {
    FilePool pool(dir.path(), 2);
    first = pool.take();
    second = pool.take();
    third = pool.take();  // a second batch
    EXPECT_EQ(first, day + "/1/0.dcm");
    EXPECT_EQ(second, day + "/1/1.dcm");
    EXPECT_EQ(third, day + "/2/0.dcm");
    EXPECT_TRUE(fs::exists(day + "/2/1.dcm")) << "made ahead";
    EXPECT_EQ(fs::file_size(first), 0u);

    testing::writeFile(first, "kept");
    testing::writeFile(second, "refused");
    pool.giveBack(second);  // emptied and handed out again
    EXPECT_EQ(fs::file_size(second), 0u);
    EXPECT_EQ(pool.take(), second);
    testing::writeFile(second, "kept too");
    fs::remove(third);
    pool.giveBack(third);  // gone: forgotten
    EXPECT_EQ(pool.take(), day + "/2/1.dcm");
    EXPECT_EQ(pool.take(), day + "/3/0.dcm");
  }
  // What holds data stays; the files never used, and batch directories left empty, are gone.
  EXPECT_EQ(testing::readFile(first), "kept");
  EXPECT_EQ(testing::readFile(second), "kept too");
  EXPECT_TRUE(fs::exists(day + "/2/1.dcm")) << "taken, so the taker's";
  EXPECT_FALSE(fs::exists(day + "/3/1.dcm"));

  FilePool again(dir.path(), 2);  // a later run starts a new batch
  EXPECT_EQ(again.take(), day + "/4/0.dcm") << "batch 3 still holds a taken file";
}

TEST(FilePool, SaysWhyWhenTheStorageCannotBeWritten) {
  TempDir dir;
  testing::writeFile(dir.file("blocked"), "a file where the directory would be");
  FilePool pool(dir.file("blocked"), 2);
  try {
    pool.take();
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("blocked")), std::string::npos) << e.what();
  }
}

TEST(SyncFiles, NamesTheFilesItCouldNotSync) {
  TempDir dir;
  std::vector<std::string> files;
  for (int i = 0; i < 6; ++i) {
    files.push_back(dir.file(std::to_string(i)));
    testing::writeFile(files.back(), "data");
  }
  files.push_back(dir.file("missing"));
  auto failed = syncFiles(files);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].first, dir.file("missing"));
  EXPECT_NE(failed[0].second.find("No such file"), std::string::npos) << failed[0].second;
}

}  // namespace
}  // namespace medbridge::adapters::pacs_dicom
