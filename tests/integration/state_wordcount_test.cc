// The word-count example (examples/wordcount): its tokenizer, and a whole run on the embedded
// cluster as `./scripts/demo wordcount` does it, output compared with a direct count.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "wordcount.h"

namespace {

using Strings = std::vector<std::string>;

TEST(WordCountSplitTest, LowerCasesAndSplitsOutsideWordCharacters) {
  EXPECT_EQ(wordcount::splitWords("Hello, World!"), (Strings{"hello", "world"}));
  EXPECT_EQ(wordcount::splitWords("It's 2 o'clock"), (Strings{"it", "s", "2", "o", "clock"}));
  EXPECT_EQ(wordcount::splitWords("snake_case CamelCase"), (Strings{"snake_case", "camelcase"}));
  EXPECT_EQ(wordcount::splitWords("  --  "), Strings{});
  EXPECT_EQ(wordcount::splitWords(""), Strings{});
  EXPECT_EQ(wordcount::splitWords("a\tb\nc"), (Strings{"a", "b", "c"}));
  // Bytes outside ASCII letters and digits split too (UTF-8 é is two such bytes).
  EXPECT_EQ(wordcount::splitWords("caf\xc3\xa9 ole"), (Strings{"caf", "ole"}));
}

// Counts of the words of `file`, `times` over.
std::map<std::string, int64_t> directCounts(const std::string& file, int times = 1) {
  std::map<std::string, int64_t> counts;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    for (const std::string& w : wordcount::splitWords(line)) counts[w] += times;
  }
  return counts;
}

// "word count" lines → map; fails on anything else or on words out of order.
std::map<std::string, int64_t> parseOutput(const std::string& text) {
  std::map<std::string, int64_t> out;
  std::istringstream in(text);
  std::string previous;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string word;
    int64_t count = -1;
    std::string extra;
    EXPECT_TRUE(fields >> word >> count && !(fields >> extra)) << "bad line: " << line;
    EXPECT_LT(previous, word) << "not sorted";
    previous = word;
    out[word] = count;
  }
  return out;
}

TEST(WordCountExampleTest, EmbeddedRunPrintsTheCountsSortedByWord) {
  wordcount::Options o;
  o.input_file = KSTREAMS_WORDCOUNT_SAMPLE;
  std::ostringstream out, err;
  ASSERT_EQ(wordcount::run(o, out, err), 0) << err.str();
  const auto expected = directCounts(o.input_file);
  ASSERT_GT(expected.size(), 50u);
  EXPECT_EQ(parseOutput(out.str()), expected) << err.str();
}

}  // namespace
