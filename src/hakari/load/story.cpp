#include "hakari/load/story.h"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

namespace hakari::load {
namespace {

struct Phrase {
  std::string_view en;
  std::string_view ja;
};

// 13 topics, 12 settings and 5 tellings: sizes without a common factor pair every index
// with a new combination until 13 * 12 * 5 = 780.
constexpr std::array<Phrase, 13> kTopics{{
    {"a lighthouse keeper who finds a message in a bottle", "瓶に入った手紙を見つけた灯台守"},
    {"a young baker who enters a national baking contest", "全国パン作りコンテストに挑む若いパン職人"},
    {"two rival clockmakers who are forced to work together", "協力せざるを得なくなった二人のライバル時計職人"},
    {"a retired detective taking on one last case", "最後の事件に挑む引退した刑事"},
    {"a girl who can hear what the trees are saying", "木々の声が聞こえる少女"},
    {"a mail carrier who delivers letters to a remote village", "山奥の村へ手紙を届ける郵便配達員"},
    {"an astronaut coming home after ten years in space", "宇宙で十年を過ごして帰ってきた宇宙飛行士"},
    {"a stray cat who becomes the mayor of a small town", "小さな町の町長になった野良猫"},
    {"a violinist who has lost her hearing", "聴力を失ったバイオリニスト"},
    {"a boy who builds a robot out of scrap metal", "廃材からロボットを作る少年"},
    {"a family running an old inn that is about to close", "閉館が迫る古い旅館を営む家族"},
    {"a mapmaker who draws a place that does not exist", "存在しない場所の地図を描く地図職人"},
    {"an old gardener and the neighbor's child who becomes her apprentice",
     "年老いた庭師と、その弟子になった近所の子ども"},
}};

constexpr std::array<Phrase, 12> kSettings{{
    {"a small fishing village in winter", "冬の小さな漁村"},
    {"a bustling city at the end of the nineteenth century", "十九世紀末のにぎやかな都市"},
    {"a space station orbiting Jupiter", "木星を回る宇宙ステーション"},
    {"a desert town on the old Silk Road", "シルクロードの砂漠の町"},
    {"a mountain village cut off by snow", "雪に閉ざされた山あいの村"},
    {"a floating city above the clouds", "雲の上に浮かぶ都市"},
    {"Kyoto in the Edo period", "江戸時代の京都"},
    {"a research station in Antarctica", "南極の観測基地"},
    {"an island where it rains every day", "毎日雨が降る島"},
    {"a night train crossing a continent", "大陸を横断する夜行列車"},
    {"a quiet suburb in the near future", "近未来の静かな郊外の町"},
    {"a market town during its harvest festival", "収穫祭でにぎわう市場町"},
}};

constexpr std::array<Phrase, 5> kTellings{{
    {"Tell it in the first person.", "一人称で語ってください。"},
    {"Tell it in the third person.", "三人称で語ってください。"},
    {"Tell it as a series of diary entries.", "日記の形で書いてください。"},
    {"Tell it as letters between two old friends.", "二人の旧友が交わす手紙の形で書いてください。"},
    {"Tell it as a folk tale, the way an old storyteller would.", "年老いた語り部が語る昔話の形で書いてください。"},
}};

}  // namespace

std::string story_prompt(std::string_view lang, std::uint64_t index) {
  const Phrase& topic = kTopics[index % kTopics.size()];
  const Phrase& setting = kSettings[index % kSettings.size()];
  const Phrase& telling = kTellings[index % kTellings.size()];
  if (lang == "en") {
    return fmt::format(
        "Write a long story about {}, set in {}. {} Describe the characters, the places and the events in rich "
        "detail, and keep the story going for as long as you can.",
        topic.en, setting.en, telling.en);
  }
  if (lang == "ja") {
    return fmt::format(
        "{}を舞台に、{}の長い物語を書いてください。{}"
        "登場人物や場所、出来事をくわしく描き、できるだけ長く書き続けてください。",
        setting.ja, topic.ja, telling.ja);
  }
  throw std::invalid_argument(fmt::format("story prompts are in en or ja, not \"{}\"", lang));
}

}  // namespace hakari::load
