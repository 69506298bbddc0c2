// Query and retrieve with dcmtk's tools as the other side: a varied set of real files (Debian's
// python3-pydicom test files: CT, MR in JPEG-LS, NM in JPEG 2000 and JPEG, RLE, RT plan in
// implicit VR, SR, ECG, and the Chinese-name character-set files) stored, found by findscu (Chinese
// names with wildcards, ranges, lists, counts, the requester's character set) and brought back
// by getscu and movescu with the same SOP Instance UIDs, transfer syntaxes and pixel data.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "tests/integration/DicomTestSupport.h"

namespace medbridge::testing {
namespace {

const std::string& kFiles = kPydicomFiles;
const std::string& kCharsets = kPydicomCharsets;

struct Sample {
  std::string file, sopUid;
};

// name -> file, SOP Instance UID
const std::map<std::string, Sample>& samples() {
  static const std::map<std::string, Sample> kSamples = {
      {"ct", {kFiles + "CT_small.dcm", "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322"}},
      {"jpegls",
       {kFiles + "MR_small_jpeg_ls_lossless.dcm",
        "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457"}},
      {"j2k", {kFiles + "JPEG2000.dcm", "1.3.6.1.4.1.5962.1.1.8.1.3.20040826185059.5457"}},
      {"jpeg", {kFiles + "JPEG-lossy.dcm", "1.3.6.1.4.1.5962.1.1.8.1.5.20040826185059.5457"}},
      {"rle",
       {kFiles + "SC_rgb_rle.dcm",
        "1.2.826.0.1.3680043.8.498.49043964482360854182530167603505525116"}},
      {"rtplan", {kFiles + "rtplan.dcm", "1.2.777.777.77.7.7777.7777.20030903150023"}},
      {"sr", {kFiles + "test-SR.dcm", "1.2.276.0.7230010.3.1.4.2139363186.7819.982086466.4"}},
      {"ecg", {kFiles + "waveform_ecg.dcm", "1.3.6.1.4.1.20029.40.20130125105919.5407.1.1"}},
      {"utf8", {kCharsets + "chrX1.dcm", "1.3.6.1.4.1.5962.1.1.0.1.1.1175775771.5711.0"}},
      {"gb18030", {kCharsets + "chrX2.dcm", "1.3.6.1.4.1.5962.1.1.0.1.1.1175775771.5714.0"}},
  };
  return kSamples;
}

// Every file a retrieval wrote, by SOP Instance UID.
std::map<std::string, std::string> receivedFiles(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string uid = attribute(e.path().string(), "0008,0018");
    out[uid.substr(1, uid.size() - 2)] = e.path().string();
  }
  return out;
}

class DicomQueryRetrieve : public ::testing::Test {
 protected:
  void SetUp() override {
    movePort = freeLoopbackPort();
    gw = std::make_unique<GatewayProcess>(
        dir.path(),
        std::vector<std::string>{"dicom.peers.MOVESCU.host=127.0.0.1",
                                 "dicom.peers.MOVESCU.port=" + std::to_string(movePort),
                                 "dicom.peers.GONE.host=127.0.0.1",
                                 "dicom.peers.GONE.port=" + std::to_string(freeLoopbackPort())});
    gw->start();
    port = std::to_string(gw->dicomPort());
    // storescu proposes one compressed syntax at a time (-R: only the files' SOP classes).
    const std::map<std::string, std::string> proposal = {
        {"j2k", "-xw"}, {"jpegls", "-xt"}, {"jpeg", "-xx"}, {"rle", "-xr"}};
    std::vector<std::string> uncompressed{"-R", "-aec", "MEDBRIDGE", "127.0.0.1", port};
    for (const auto& [name, s] : samples()) {
      auto p = proposal.find(name);
      if (p == proposal.end()) {
        uncompressed.push_back(s.file);
        continue;
      }
      CommandResult r =
          dcmtk("storescu", {"-R", p->second, "-aec", "MEDBRIDGE", "127.0.0.1", port, s.file});
      ASSERT_EQ(r.exitCode, 0) << name << r.out << r.err;
    }
    CommandResult stored = dcmtk("storescu", uncompressed);
    ASSERT_EQ(stored.exitCode, 0) << stored.out << stored.err;
  }

  // findscu's responses as "tag=value" lines of each response file, in order.
  std::vector<std::string> find(std::vector<std::string> keys, const std::string& model = "-S") {
    std::string out = dir.file("find-" + std::to_string(++finds));
    std::filesystem::create_directories(out);
    std::vector<std::string> args{"-v", model, "-aec", "MEDBRIDGE", "-X", "-od", out};
    for (const auto& k : keys) {
      args.push_back("-k");
      args.push_back(k);
    }
    args.push_back("127.0.0.1");
    args.push_back(port);
    lastFind = dcmtk("findscu", args);
    std::vector<std::string> responses;
    for (int i = 1;; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "rsp%04d.dcm", i);
      std::string file = out + "/" + name;
      if (!std::filesystem::exists(file)) break;
      responses.push_back(runCommand({"dcmdump", "-q", file}).out);
    }
    return responses;
  }

  TempDir dir;
  std::unique_ptr<GatewayProcess> gw;
  std::string port;
  int movePort = 0;
  int finds = 0;
  CommandResult lastFind;
};

TEST_F(DicomQueryRetrieve, FindsByChineseNameWildcardsRangesAndLists) {
  // Patient root, PATIENT level: 王* matches the ideographic group of both character-set files.
  // Undeclared UTF-8 in the query is read as UTF-8; the answers are in UTF-8 (ISO_IR 192).
  auto patients = find({"0008,0052=PATIENT", "0010,0010=王*", "0010,0020", "0020,1200"}, "-P");
  ASSERT_EQ(patients.size(), 2u) << lastFind.out << lastFind.err;
  std::sort(patients.begin(), patients.end(), [](const auto& a, const auto& b) {
    return a.find("X1EXAMPLE") != std::string::npos && b.find("X1EXAMPLE") == std::string::npos;
  });
  for (const auto& [i, name] : {std::pair<int, std::string>{0, "X1EXAMPLE"}, {1, "X2EXAMPLE"}}) {
    EXPECT_NE(patients[i].find("(0010,0020) LO [" + name + "]"), std::string::npos);
    EXPECT_NE(patients[i].find("(0008,0005) CS [ISO_IR 192]"), std::string::npos) << patients[i];
    EXPECT_NE(patients[i].find("(0020,1200) IS [1]"), std::string::npos) << patients[i];
  }
  EXPECT_NE(patients[0].find("(0010,0010) PN [Wang^XiaoDong=王^小東]"), std::string::npos)
      << patients[0];
  EXPECT_NE(patients[1].find("(0010,0010) PN [Wang^XiaoDong=王^小东]"), std::string::npos)
      << patients[1];
  // Asked in GB18030, answered in GB18030 (小 = D0 A1, 东 = B6 AB).
  auto gb = find({"0008,0005=GB18030", "0008,0052=STUDY", "0010,0010=*=\xCD\xF5*",
                  "0010,0020=X2EXAMPLE", "0020,000d"});
  ASSERT_EQ(gb.size(), 1u) << lastFind.out << lastFind.err;
  EXPECT_NE(gb[0].find("(0008,0005) CS [GB18030]"), std::string::npos) << gb[0];
  std::string raw = readFile(dir.file("find-2/rsp0001.dcm"));
  EXPECT_NE(raw.find("Wang^XiaoDong=\xCD\xF5^\xD0\xA1\xB6\xAB"), std::string::npos);
  EXPECT_TRUE(find({"0008,0052=PATIENT", "0010,0010=李*"}, "-P").empty());

  // Study root: modalities, counts; date range; UID list; wildcard on a LO.
  auto nm = find({"0008,0052=STUDY", "0008,0061=NM", "0020,000d", "0020,1206", "0020,1208"});
  ASSERT_EQ(nm.size(), 1u) << lastFind.out << lastFind.err;
  EXPECT_NE(nm[0].find("(0020,000d) UI [1.3.6.1.4.1.5962.1.2.8.20040826185059.5457]"),
            std::string::npos)
      << nm[0];
  EXPECT_NE(nm[0].find("(0020,1208) IS [2]"), std::string::npos) << nm[0];
  EXPECT_NE(nm[0].find("(0008,0061) CS [NM]"), std::string::npos) << nm[0];
  EXPECT_EQ(find({"0008,0052=STUDY", "0008,0020=20040101-20041231", "0020,000d"}).size(), 3u)
      << lastFind.out;
  EXPECT_EQ(find({"0008,0052=IMAGE", "0008,0018=" + samples().at("ct").sopUid + "\\" +
                                         samples().at("rle").sopUid + "\\1.2.3"})
                .size(),
            2u);
  EXPECT_EQ(find({"0008,0052=SERIES", "0010,0020=X?EXAMPLE", "0020,000e"}).size(), 2u);

  // A level the model does not have: refused, nothing answered, still serving.
  EXPECT_TRUE(find({"0008,0052=PATIENT", "0010,0010=*"}).empty());
  EXPECT_NE((lastFind.out + lastFind.err)
                .find("Final Find Response (Error: DataSetDoesNotMatchSOPClass)"),
            std::string::npos)
      << lastFind.out << lastFind.err;
  EXPECT_EQ(dcmtk("echoscu", {"-aec", "MEDBRIDGE", "127.0.0.1", port}).exitCode, 0);
}

// What retrieving each sample must give back: the same SOP Instance UID, transfer syntax and
// pixel data as the file that was stored.
void expectSameAsSent(const std::map<std::string, std::string>& received,
                      const std::vector<std::string>& names) {
  EXPECT_EQ(received.size(), names.size());
  for (const auto& name : names) {
    const Sample& s = samples().at(name);
    auto it = received.find(s.sopUid);
    ASSERT_NE(it, received.end()) << name;
    EXPECT_EQ(attribute(it->second, "0002,0010"), attribute(s.file, "0002,0010")) << name;
    EXPECT_EQ(pixelHash(it->second), pixelHash(s.file)) << name;
  }
}

TEST_F(DicomQueryRetrieve, GetBringsBackTheSameInstancesInTheirOwnSyntax) {
  // Each compressed instance with a requester that asks for its syntax first (getscu proposes
  // one context per SOP class), the explicit VR ones in one C-GET. (getscu 3.6.7 proposes
  // explicit VR even with +xi: the implicit VR RT plan is checked by C-MOVE.)
  const std::vector<std::pair<std::string, std::string>> compressed = {
      {"j2k", "+xw"}, {"jpegls", "+xt"}, {"jpeg", "+xx"}, {"rle", "+xr"}};
  for (const auto& [name, preference] : compressed) {
    std::string out = dir.file("get-" + name);
    std::filesystem::create_directories(out);
    CommandResult r =
        dcmtk("getscu", {preference, "-S", "-aec", "MEDBRIDGE", "-od", out, "-k", "0008,0052=IMAGE",
                         "-k", "0008,0018=" + samples().at(name).sopUid, "127.0.0.1", port});
    EXPECT_EQ(r.exitCode, 0) << name << r.out << r.err;
    expectSameAsSent(receivedFiles(out), {name});
  }
  std::string out = dir.file("get-uncompressed");
  std::filesystem::create_directories(out);
  std::string uids;
  for (const auto& name : {"ct", "sr", "ecg", "utf8", "gb18030"})
    uids += (uids.empty() ? "" : "\\") + samples().at(name).sopUid;
  CommandResult r = dcmtk("getscu", {"-S", "-aec", "MEDBRIDGE", "-od", out, "-k", "0008,0052=IMAGE",
                                     "-k", "0008,0018=" + uids, "127.0.0.1", port});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  expectSameAsSent(receivedFiles(out), {"ct", "sr", "ecg", "utf8", "gb18030"});

  // A requester that takes only uncompressed syntaxes: JPEG-LS is decoded (same pixels after
  // decoding), JPEG 2000 cannot be (no codec) and is reported failed with its UID.
  std::string plain = dir.file("get-plain");
  std::filesystem::create_directories(plain);
  r = dcmtk("getscu",
            {"-v", "-S", "-aec", "MEDBRIDGE", "-od", plain, "-k", "0008,0052=IMAGE", "-k",
             "0008,0018=" + samples().at("jpegls").sopUid + "\\" + samples().at("j2k").sopUid,
             "127.0.0.1", port});
  std::string log = r.out + r.err;
  EXPECT_NE(log.find("Number of Completed Suboperations : 1"), std::string::npos) << log;
  EXPECT_NE(log.find("Number of Failed Suboperations    : 1"), std::string::npos) << log;
  auto decoded = receivedFiles(plain);
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(attribute(decoded.begin()->second, "0002,0010"), "=LittleEndianExplicit");
  // JPEG-LS lossless: the decoded pixels are those of the uncompressed original.
  EXPECT_EQ(pixelHash(decoded.begin()->second), pixelHash(kFiles + "MR_small.dcm"));
}

TEST_F(DicomQueryRetrieve, MoveSendsToTheConfiguredDestination) {
  std::string out = dir.file("moved");
  std::filesystem::create_directories(out);
  // Every study of both Chinese-name patients and the NM study, to movescu's own storage SCP
  // (+xa: it accepts the compressed syntaxes too).
  CommandResult r =
      dcmtk("movescu", {"-v", "-P", "+xa", "-aet", "MOVESCU", "-aem", "MOVESCU", "-aec",
                        "MEDBRIDGE", "+P", std::to_string(movePort), "-od", out, "-k",
                        "0008,0052=PATIENT", "-k", "0010,0020=X?EXAMPLE", "127.0.0.1", port});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("Received Final Move Response (Success)"), std::string::npos) << r.err;
  expectSameAsSent(receivedFiles(out), {"utf8", "gb18030"});
  // A receiver taking implicit VR only gets the implicit VR RT plan as it was sent.
  std::string implicit = dir.file("moved-implicit");
  std::filesystem::create_directories(implicit);
  r = dcmtk("movescu", {"-S", "+xi", "-aet", "MOVESCU", "-aem", "MOVESCU", "-aec", "MEDBRIDGE",
                        "+P", std::to_string(movePort), "-od", implicit, "-k", "0008,0052=IMAGE",
                        "-k", "0008,0018=" + samples().at("rtplan").sopUid, "127.0.0.1", port});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  expectSameAsSent(receivedFiles(implicit), {"rtplan"});
  std::string nm = dir.file("moved-nm");
  std::filesystem::create_directories(nm);
  r = dcmtk("movescu", {"-S", "+xa", "-aet", "MOVESCU", "-aem", "MOVESCU", "-aec", "MEDBRIDGE",
                        "+P", std::to_string(movePort), "-od", nm, "-k", "0008,0052=STUDY", "-k",
                        "0020,000d=1.3.6.1.4.1.5962.1.2.8.20040826185059.5457", "127.0.0.1", port});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  expectSameAsSent(receivedFiles(nm), {"j2k", "jpeg"});

  // An AE title not in dicom.peers: 0xA801; a peer that does not listen: 0xA702, all failed.
  r = dcmtk("movescu", {"-v", "-S", "-aem", "NOBODY", "-aec", "MEDBRIDGE", "-k", "0008,0052=STUDY",
                        "-k", "0020,000d=1.2.3", "127.0.0.1", port});
  EXPECT_NE(r.err.find("Final Move Response (Refused: MoveDestinationUnknown)"), std::string::npos)
      << r.out << r.err;
  r = dcmtk("movescu",
            {"-v", "-S", "-aem", "GONE", "-aec", "MEDBRIDGE", "-k", "0008,0052=STUDY", "-k",
             "0020,000d=1.3.6.1.4.1.5962.1.2.8.20040826185059.5457", "127.0.0.1", port});
  EXPECT_NE(r.err.find("Final Move Response (Refused: OutOfResourcesSubOperations)"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(dcmtk("echoscu", {"-aec", "MEDBRIDGE", "127.0.0.1", port}).exitCode, 0);
}

}  // namespace
}  // namespace medbridge::testing
