/* demo_topics.c - what the demo's communities talk about.  The hand-written
 * topics follow what the Tokyo 2020 coordination center and its
 * participants actually shared (seeds/: the threat notices of 7/21-7/30,
 * the #OpBoycottOlympics DDoS campaign, fake live-stream sites, the
 * exercises and opinion exchanges, the manuals); the series (daily reports
 * during the Games, CTI vendors' reports, observation notices, monthly
 * vulnerability round-ups) are built from templates with a fixed-seed
 * generator, so every load produces the same topics.  Nothing here names a
 * real organisation, address or domain: IoCs come from the documentation
 * ranges and .example. */
#include "core/demo_topics.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/util.h"

/* Railway operators of the demo (critical-service providers with sector
 * railway: every 24th of cs-NNN starting at cs-005, rail-member's). */
#define RAIL_ORGS "cs-005 cs-029 cs-053 cs-077 cs-101 cs-125 cs-149"

const struct demo_community demo_communities[] = {
	{"rail-isac", "鉄道 ISAC(デモ)", "Railway ISAC (demo)",
	 "鉄道事業者によるサイバーセキュリティ情報共有の場です。運行・予約・駅設備に関する脅威情報、"
	 "インシデントの教訓、演習の結果を共有します。TLP:GREEN 以上の情報は会員組織の外に出さないでください。",
	 "rail-member", "2020-04-15 10:00", "invite", RAIL_ORGS " ministry-3", "cs-029"},
	{"toto-region-wg", "東都地域ワーキンググループ(デモ)", "Toto region working group (demo)",
	 "東都の会場・自治体・治安機関・重要サービス事業者が、大会期間中の地域の連絡体制を確認するための"
	 "ワーキンググループです。",
	 "gov-toto", "2020-10-01 14:00", "invite",
	 "police-toto organiser venue-01 venue-07 venue-13 cs-001 cs-021 cs-040", "police-toto"},
	{"sports-study", "スポーツ関連団体 勉強会(デモ)", "Sports bodies study group (demo)",
	 "スポーツ関連団体向けの勉強会・自己学習コンテンツ・Web サイト簡易チェックの案内と、"
	 "日々の困りごとの相談の場です。どなたでも参加できます。",
	 "sport-01", "2019-09-02 10:00", "open",
	 "sport-02 sport-03 sport-04 sport-05 sport-06 sport-07 sport-08 sport-09 sport-10 sport-11 sport-12 "
	 "sport-13 sport-14 sport-15 sport-16 sport-17 sport-18 sport-19 sport-20 sport-21 sport-22 sport-23 "
	 "sport-24 sport-25 sport-26 sport-27 sport-28 sport-29 sport-30 cc agency-2 ministry-7",
	 "cc"},
};
const size_t demo_ncommunities = KR_ARRAY_LEN(demo_communities);

/* The hand-written topics, in no particular order (sorted on load). */
static const struct demo_topic fixed[] = {
	/* ---- 2019: the center opens, manuals, first threats ---- */
	{"2019-04-01 10:00", "general", "cc", "info", "event_schedule", "clear", NULL, DT_GENERAL | DT_PINNED,
	 "サイバーセキュリティ対処調整センターの運用を開始しました",
	 "本日、サイバーセキュリティ対処調整センターを設置し、情報共有プラットフォームの運用を開始しました。\n\n"
	 "大会の運営を支える関係組織の皆さまが、脅威・インシデントに対して自律的に未然対処・事案対処できるよう、"
	 "次の取組を進めます。\n\n"
	 "- 脅威情報・観測情報の収集と発信\n"
	 "- インシデント発生時の対処支援調整(そうだんの窓口)\n"
	 "- 演習・意見交換会の開催\n\n"
	 "まずは「マニュアル・FAQ」コミュニティの利用手順書をご覧ください。",
	 {"organiser|大会組織委員会です。よろしくお願いいたします。", "cs-005|鉄道分野からも積極的に情報を提供していきます。"},
	 NULL, NULL},
	{"2019-04-01 10:30", "manuals", "cc", "info", "event_schedule", "clear", NULL, DT_GENERAL | DT_PINNED,
	 "【マニュアル】情報共有プラットフォーム 利用手順書 第1.0版",
	 "## 1. ログイン\n"
	 "配布されたログイン ID とパスワードでログインします。コーディネーターと管理者は二要素認証(TOTP)が必須です。\n\n"
	 "## 2. ホーム画面\n"
	 "「必ず見てほしいトピック」「新着トピック一覧」と、参加しているコミュニティが表示されます。\n\n"
	 "## 3. トピックの閲覧\n"
	 "一覧から見たい情報をクリックすると詳細を閲覧できます。閲覧したら**いいね!ボタン**を押してください。"
	 "追加情報の提供や質問にはコメントを利用してください。\n\n"
	 "## 4. トピックの作成\n"
	 "タイトル、情報の種類(①〜⑧)、共有範囲、TLP を選んで投稿します。",
	 {NULL}, "2020-06-01 10:00", "\n\n*2020/6/1 更新: 二要素認証の手順を追記しました。*"},
	{"2019-04-02 11:00", "manuals", "cc", "info", "alert", "clear", NULL, DT_GENERAL,
	 "【FAQ】TLP(Traffic Light Protocol)の使い分け",
	 "投稿した情報を受け取った人が、どこまで展開してよいかを TLP で示します。\n\n"
	 "| TLP | 展開できる範囲 |\n|---|---|\n"
	 "| RED | 他者へ展開不可(指定された受信者のみ) |\n"
	 "| AMBER | 業務の遂行にあたって知る必要がある者まで可 |\n"
	 "| AMBER+STRICT | 受信した組織の中だけ |\n"
	 "| GREEN | 関係する組織(コミュニティ)の範囲まで可 |\n"
	 "| CLEAR (WHITE) | 自由に展開可 |\n\n"
	 "RED と AMBER のトピックは他のコミュニティへ共有できず、メール通知にも本文は載りません。",
	 {"sport-12|AMBER の情報を所管省庁に伝えるのは「知る必要がある者」に含まれますか?",
	  "cc|はい、対処に必要な範囲であれば含まれます。迷う場合はコメントでご相談ください。"},
	 NULL, NULL},
	{"2019-04-02 15:00", "manuals", "cc", "info", "alert", "clear", NULL, DT_GENERAL,
	 "【FAQ】共有範囲「コミュニティメンバー」と「手動選択」の違い",
	 "- **コミュニティメンバー**: コミュニティ参加者全員が閲覧できます。\n"
	 "- **手動選択**: 組織・個人の単位で指定した範囲でのみ閲覧できます。指定できるのはそのコミュニティの参加者だけです。\n\n"
	 "特定の組織に関わる観測情報や攻撃予告は、手動選択と TLP:RED / AMBER を組み合わせて提供します。",
	 {NULL}, NULL, NULL},
	{"2019-04-05 10:00", "manuals", "cc", "info", "event_schedule", "clear", NULL, DT_GENERAL,
	 "【FAQ】情報の種類(①〜⑧)の選び方",
	 "① 脆弱性情報(攻撃手法・対策含む)\n② 攻撃予見情報(攻撃の呼び掛け、攻撃対象の指定など)\n"
	 "③ 不正プログラム情報\n④ 注意喚起情報(適切な措置が強く推奨されるもの)\n"
	 "⑤ 観測/分析関連情報(サーバの稼働状況、通信量、不正通信、ブラックリストなど)\n"
	 "⑥ インシデント情報(組織や個人を特定し得る情報は秘匿)\n⑦ 大会関連スケジュール情報\n"
	 "⑧ 緊急事態情報(自然災害、大規模な事件・事故など)\n\n"
	 "一覧はこの分類で絞り込めます。迷ったときは最も行動に近いものを選んでください。",
	 {NULL}, NULL, NULL},
	{"2019-04-10 10:00", "manuals", "cc", "info", "alert", "clear", NULL, DT_GENERAL,
	 "【FAQ】タイトルタグ【重要】【注意】【情報】の意味",
	 "- 【重要】: 早めに該当する製品等の確認と対策検討を進めていただきたい項目\n"
	 "- 【注意】: 監視強化や対策の検討準備を進めていただくことが望ましい項目\n"
	 "- 【情報】: 参考情報\n\n【重要】のトピックは参加者全員に通知されます。",
	 {NULL}, NULL, NULL},
	{"2019-05-20 10:00", "manuals", "cc", "info", "incident", "clear", NULL, DT_GENERAL,
	 "【マニュアル】そうだんの窓口 インシデント報告の手順",
	 "インシデント(兆候・ヒヤリハット・疑いを含む)は、そうだんの窓口から一度報告するだけで、"
	 "指定した所管省庁・大会組織委員会・治安機関にも届きます(ワンストップ報告)。\n\n"
	 "1. 発生日時と、いつ気づいたか\n2. 影響を受けたサービス・システム\n3. 現在の状況と実施済みの対処\n"
	 "4. 支援の要否(助言、調査、マルウェア解析、現地対応)\n\n確定していなくても、まずは第一報をお願いします。",
	 {NULL}, NULL, NULL},
	{"2019-06-05 18:54", "professional", "agency-1", "info", "observation", "clear", NULL, 0,
	 "セキュリティ情報融合基盤を開発",
	 "サイバーセキュリティ研究室は、多種多様なサイバーセキュリティ関連情報を大規模集約・横断分析する"
	 "セキュリティ情報融合基盤を開発しました。サイバー攻撃の観測情報や脅威情報など、異なる種類の情報を"
	 "相互に関連付けて分析できます。大会期間中の観測にも活用する予定です。",
	 {"agency-3|観測結果の共有方法について、別途ご相談させてください。"}, NULL, NULL},
	{"2019-06-09 12:00", "professional", "agency-analyst", "info", "attack_foresight", "green", NULL, 0,
	 "BGP ハイジャックにより通信が迂回された件(参考情報)",
	 "参考情報までに共有します。海外の事業者が BGP の経路情報を誤って(あるいは意図的に)広報した結果、"
	 "傘下の ISP に向けた通信が 2 時間以上にわたり別の経路へ迂回されていました。\n\n"
	 "通信事業者の皆さまは経路フィルタと RPKI の導入状況をご確認ください。",
	 {"cs-001|当社では RPKI の ROV を段階的に導入中です。"}, NULL, NULL},
	{"2019-06-20 10:00", "professional", "agency-2", "caution", "vulnerability", "green", NULL, 0,
	 "【注意】リモートデスクトップサービスの脆弱性(CVE-2019-0708)について",
	 "Windows のリモートデスクトップサービスに、認証前に任意のコードを実行される脆弱性が存在します。"
	 "ワーム化のおそれがあるため、以下の対策をご検討ください。\n\n"
	 "- 更新プログラムの適用\n- インターネットに RDP (3389/tcp) を公開しない\n- ネットワークレベル認証(NLA)の有効化",
	 {NULL}, NULL, NULL},
	{"2019-09-05 10:00", "professional", "agency-3", "important", "vulnerability", "green", NULL, DT_SHARE_RAIL,
	 "【重要】SSL-VPN 製品の脆弱性を悪用した攻撃に関する注意喚起",
	 "複数の SSL-VPN 製品に、認証情報などのファイルを読み取られる脆弱性が存在し、これを悪用する攻撃が"
	 "観測されています。\n\n"
	 "1. 該当製品・バージョンの確認\n2. 修正済みバージョンへの更新\n3. 更新後も**パスワードの変更**(既に窃取されている可能性)\n\n"
	 "スキャン元として 198.51.100.23、203.0.113.140 などを観測しています。",
	 {"cs-029|確認しました。保守ベンダーに至急確認を依頼しています。"}, NULL, NULL},
	{"2019-10-11 17:00", "general", "cc", "caution", "emergency", "clear", NULL, DT_GENERAL,
	 "【注意】大型台風の接近に伴う連絡体制の確認について",
	 "大型の台風が週末に関東地方へ接近する見込みです。停電・通信障害時の連絡手段(電話・衛星電話など)と、"
	 "対処調整センターの緊急連絡先をご確認ください。システム障害が発生した場合はそうだんの窓口から第一報をお願いします。",
	 {NULL}, NULL, NULL},
	{"2019-10-15 10:00", "cc-contact", "cc", "info", "event_schedule", "clear", NULL, DT_GENERAL,
	 "第1回 演習(JISP 利用基本手順の理解)のご案内",
	 "10 月下旬に、情報共有プラットフォームの基本的な使い方を確認する演習を実施します。\n\n"
	 "- 演習モードへの切り替え\n- 状況付与(トピック)の確認といいね!\n- そうだんの窓口からの報告\n\n"
	 "演習中のデータは本番の情報とは混ざりません。",
	 {"venue-03|会場管理者 2 名で参加します。"}, NULL, NULL},
	{"2019-11-28 10:00", "professional", "cc", "important", "malware", "green", NULL, DT_SHARE_RAIL,
	 "【重要】Emotet の感染拡大について",
	 "取引先を装った返信型のメールで Emotet に感染する事例が急増しています。添付の Word ファイルのマクロを"
	 "有効にすると感染し、メールアカウントとアドレス帳が窃取されて感染がさらに広がります。\n\n"
	 "観測された通信先の例:\n\n```\n192.0.2.41:8080\n198.51.100.77:443\nmail-invoice.example\n```\n\n"
	 "- マクロの自動実行を無効にする\n- 不審なメールの添付ファイルを開かない\n- EmoCheck などで感染の有無を確認する",
	 {"cs-077|当社でも類似メールを受信しました。件名は「請求書の送付」でした。",
	  "cs-005|注意喚起を社内に展開しました。"},
	 NULL, NULL},
	/* ---- 2020: postponement, telework, exercises ---- */
	{"2020-01-20 10:00", "cc-contact", "cc", "info", "event_schedule", "green", NULL, 0,
	 "第2回 演習(2020年1月)のご案内",
	 "第2回演習を 1 月下旬に実施します。今回はインシデント発生時の報告から対処支援調整までの流れを確認します。"
	 "参加される組織はコメントで参加者数をお知らせください。",
	 {"cs-053|2 名参加します。", "police-toto|1 名参加します。"}, NULL, NULL},
	{"2020-02-27 10:00", "general", "cc", "caution", "alert", "clear", NULL, DT_GENERAL,
	 "【注意】感染症に便乗したフィッシングメール・不正サイトへの注意",
	 "感染症の流行に便乗し、マスクの配布や給付金を装ったフィッシングメール・SMS が確認されています。"
	 "リンク先(例: mask-gift.example、kyufu-support.example)で ID・パスワードやカード情報を入力させます。\n\n"
	 "公的機関がメールや SMS で個人情報の入力を求めることはありません。",
	 {NULL}, NULL, NULL},
	{"2020-03-25 09:00", "general", "cc", "important", "event_schedule", "clear", NULL, DT_GENERAL | DT_MUST_READ,
	 "【重要】大会の延期決定に伴う体制の継続について",
	 "大会の延期が決定されました。対処調整センターと情報共有の体制は延期後の大会まで継続します。\n\n"
	 "- 登録済みのアカウントと観測対象はそのまま有効です\n- 演習・意見交換会の日程は改めてお知らせします\n\n"
	 "内容を確認したら「確認しました」を押してください。",
	 {"organiser|引き続きよろしくお願いいたします。"}, NULL, NULL},
	{"2020-04-15 10:00", "professional", "agency-2", "caution", "vulnerability", "green", NULL, 0,
	 "【注意】テレワーク環境の VPN 機器・Web 会議ツールに関する脆弱性のまとめ",
	 "テレワークの急拡大に伴い、VPN 機器や Web 会議ツールの脆弱性を狙う攻撃が増えています。"
	 "4 月時点で対策が必要な主な製品と、確認の手順をまとめました。\n\n"
	 "- VPN 機器: 修正版の適用と、適用後のパスワード変更\n- Web 会議: 会議 ID の使い回しを避け、待機室を有効に\n"
	 "- 私物端末: 業務データの保存を禁止",
	 {"gov-3|自治体でも同じ課題があり、参考になりました。"}, NULL, NULL},
	{"2020-06-01 10:00", "manuals", "cc", "info", "alert", "clear", NULL, DT_GENERAL,
	 "【FAQ】観測情報通知を受け取ったときの対応",
	 "観測情報通知は、各組織専用の「観測情報通知」コミュニティに届きます(他の組織からは見えません)。\n\n"
	 "1. 通知の内容(対象、観測日時、観測元)を確認する\n2. 自組織の資産か、誤検知かを判断する\n"
	 "3. 対処が必要な場合は実施し、結果をコメントで返す\n4. 支援が必要ならそうだんの窓口へ\n\n"
	 "通知から参照までの時間は計測されています。早めの確認をお願いします。",
	 {NULL}, NULL, NULL},
	{"2020-08-20 10:00", "cc-contact", "cc", "info", "event_schedule", "green", NULL, 0,
	 "第3回 演習(情報連携の基本手順の習得)実施結果",
	 "8 月の第3回演習には多数の組織にご参加いただきました。ランサムウェア感染から情報流出に至るシナリオで、"
	 "状況付与から報告までの平均所要時間は約 42 分でした。\n\n"
	 "報告の第一報に「影響範囲が未確定」のまま送ってよいか迷われた組織が多く見られました。"
	 "未確定でも第一報をお願いします。",
	 {"cs-101|第一報の様式があると助かります。", "cc|次回までに様式の例を掲載します。"}, NULL, NULL},
	{"2020-09-10 10:00", "cc-contact", "cc", "info", "event_schedule", "green", NULL, 0,
	 "第1回 意見交換会「大会に向けた様々な課題」開催のお知らせ",
	 "9 月下旬にオンラインで意見交換会を開催します。テーマは「大会に向けた様々な課題」です。"
	 "事前に共有したい課題があればコメントでお寄せください。",
	 {"venue-05|会場の仮設ネットワークの管理範囲について議論したいです。"}, NULL, NULL},
	{"2020-10-26 10:00", "professional", "agency-analyst", "important", "malware", "green", NULL, DT_SHARE_RAIL,
	 "【重要】Emotet の活動再開と新たな手口(パスワード付き ZIP)",
	 "Emotet の活動が再開し、パスワード付き ZIP ファイルを添付してメールゲートウェイの検査を回避する手口が"
	 "確認されています。本文に ZIP のパスワードが書かれています。\n\n"
	 "通信先の例: 203.0.113.15、203.0.113.88、update-check.example\n\n"
	 "パスワード付き ZIP の受信を制限する、マクロを無効化するなどの対策をご検討ください。",
	 {"cs-125|当社の受信記録を確認しましたが該当はありませんでした。"}, NULL, NULL},
	{"2020-12-10 10:00", "professional", "cc", "info", "event_schedule", "green", NULL, 0,
	 "延期後の大会に向けた観測対象の再登録のお願い",
	 "延期に伴い、観測対象(URL、ドメイン、IP アドレス)の見直しをお願いします。新しい公式サイトや"
	 "予約システムなど、大会期間中に公開するものは必ず登録してください。",
	 {NULL}, NULL, NULL},
	/* ---- 2021: the run-up ---- */
	{"2021-01-18 10:00", "cc-contact", "cc", "info", "event_schedule", "green", NULL, 0,
	 "第4回 演習(情報連携の練度向上)のご案内",
	 "第4回演習では、複数組織にまたがるインシデント(DDoS 攻撃と Web サイト改ざんの同時発生)を想定し、"
	 "組織間の情報連携を確認します。", {NULL}, NULL, NULL},
	{"2021-02-15 10:00", "cc-contact", "cc", "info", "event_schedule", "green", NULL, 0,
	 "第2回 意見交換会「大会を狙った攻撃への対策」",
	 "過去の大会で発生したサイバー攻撃(開会式を狙ったワイパー型マルウェアなど)を振り返り、"
	 "各組織の対策を意見交換します。", {NULL}, NULL, NULL},
	{"2021-03-04 09:00", "professional", "cc", "important", "vulnerability", "green", NULL,
	 DT_MUST_READ | DT_SHARE_RAIL,
	 "【重要】Microsoft Exchange Server の複数の脆弱性に関する注意喚起",
	 "Microsoft Exchange Server に、認証なしで任意のコードを実行される複数の脆弱性が存在し、"
	 "悪用が確認されています。\n\n"
	 "1. 更新プログラムを直ちに適用する\n2. Web シェルが設置されていないか確認する\n"
	 "3. 外部公開をやめられる場合は一時的に遮断する\n\n"
	 "攻撃元として 192.0.2.200、198.51.100.9 を観測しています。",
	 {"cs-149|適用完了しました。", "gov-toto|庁内の 2 台に適用しました。Web シェルはありませんでした。"}, NULL, NULL},
	{"2021-03-23 10:00", "general", "cc", "info", "event_schedule", "clear", NULL, DT_GENERAL,
	 "聖火リレー開始に伴う情報提供体制について",
	 "3 月 25 日から聖火リレーが始まります。聖火リレーの公式サイトと中継配信についても観測を行い、"
	 "異常があれば関係組織へ個別に通知します。", {NULL}, NULL, NULL},
	{"2021-05-17 10:00", "professional", "agency-analyst", "caution", "malware", "green", NULL, 0,
	 "【注意】ランサムウェアによる二重恐喝(データ窃取・公開)の手口",
	 "最近のランサムウェアは、暗号化の前にデータを窃取し、身代金を払わなければ公開すると脅す"
	 "「二重恐喝」が主流です。バックアップだけでは被害を防げません。\n\n"
	 "- VPN 機器・RDP など外部からの侵入口の点検\n- 大量のデータ送信の監視\n- 公開された場合の広報・連絡手順の準備",
	 {"cs-040|リークサイトの監視はどこまで必要でしょうか。",
	  "agency-analyst|観測情報として当方でも監視しています。該当があれば個別に通知します。"},
	 NULL, NULL},
	{"2021-06-14 10:00", "cc-contact", "cc", "info", "event_schedule", "green", NULL, 0,
	 "第5回 演習(大会前最終確認)の実施について",
	 "大会前の最終確認として、大会組織委員会と連携した演習を実施します。", {NULL}, NULL, NULL},
	{"2021-06-28 10:00", "professional", "cc", "caution", "alert", "green", NULL, DT_MUST_READ,
	 "【注意】大会期間中の監視強化と連絡体制の再確認のお願い",
	 "大会期間中は攻撃の増加が予想されます。以下を再確認してください。\n\n"
	 "- 休日・夜間の連絡先と当番表\n- ログの保存期間と監視の閾値\n- 観測対象の登録漏れ\n- 外部公開サーバの更新状況",
	 {NULL}, NULL, NULL},
	{"2021-07-05 10:00", "cc-contact", "cc", "info", "event_schedule", "green", NULL, 0,
	 "第3回 意見交換会「大会直前に改めて確認すべきこと」",
	 "大会直前の意見交換会を開催します。皆さまの最終確認の状況と、残っている課題を共有してください。",
	 {"sport-04|公式 SNS の二要素認証を全アカウントで有効にしました。"}, NULL, NULL},
	{"2021-07-16 10:00", "general", "cc", "info", "event_schedule", "clear", NULL, DT_GENERAL | DT_PINNED,
	 "大会関連スケジュール(オリンピック)",
	 "| 日付 | 行事 |\n|---|---|\n| 7/21 | 競技開始 |\n| 7/23 | 開会式 |\n| 8/8 | 閉会式 |\n\n"
	 "開会式・閉会式の前後は攻撃予告や偽ライブ配信サイトが増える傾向があります。",
	 {NULL}, NULL, NULL},
	{"2021-07-20 09:00", "professional", "cc", "important", "alert", "green", NULL, DT_MUST_READ,
	 "【重要】大会期間中の 24 時間体制と緊急連絡先について",
	 "7 月 21 日から 9 月 5 日まで、対処調整センターは 24 時間体制で対応します。\n\n"
	 "- インシデント報告: そうだんの窓口(常時受付)\n- 緊急時の電話: 03-0000-0000(デモ)\n"
	 "- デイリーレポート: 対処調整センター連絡窓口に毎日掲載\n\n確認したら「確認しました」を押してください。",
	 {NULL}, NULL, NULL},
	{"2021-07-21 08:40", "professional", "cc", "important", "malware", "green", NULL, DT_MUST_READ | DT_SHARE_RAIL,
	 "【重要】大会関連の被害報告を装う不正プログラムを確認。開かないように注意。",
	 "大会に対するサイバー攻撃の被害報告を装った実行ファイル(PDF のアイコンに偽装)を確認しました。"
	 "実行すると画面に文書を表示している間に、端末内のファイルを削除するワイパー型の不正プログラムです。\n\n"
	 "- ファイル名の例: 「大会サイバー攻撃被害報告.pdf.exe」\n- 配布元: report-olympic.example、"
	 "cdn-files.example\n- 通信先: 203.0.113.66\n\n"
	 "**開かないように注意**してください。受信した場合は開かずに削除し、そうだんの窓口へ連絡してください。",
	 {"cs-005|鉄道 ISAC にも共有しました。", "venue-02|会場スタッフ向けに周知しました。",
	  "cti-1|当社製品の検知定義に反映済みです。"},
	 NULL, NULL},
	{"2021-07-21 11:00", "professional", "cc", "important", "vulnerability", "green", NULL, DT_SHARE_RAIL,
	 "【重要】Windows OS に特権昇格が可能となるゼロデイ脆弱性",
	 "Windows 10 以降でシステムのレジストリファイルのアクセス権が不適切に設定されており、一般ユーザーが"
	 "パスワードハッシュなどを読み取って特権を昇格できる脆弱性が公表されました(修正プログラムは未提供)。\n\n"
	 "回避策: アクセス権の修正とボリューム シャドウ コピーの削除。回避策の影響を確認のうえ実施してください。",
	 {"cs-021|回避策を検証環境で確認中です。"}, "2021-07-23 10:00",
	 "\n\n*7/23 更新: 回避策の手順書を追記しました。*"},
	{"2021-07-21 10:00", "professional", "coordinator", "important", "attack_foresight", "red",
	 "organiser partner-01 venue-01", DT_MUST_READ,
	 "【重要】特定組織を標的とした攻撃予告の確認(競技初日)",
	 "ダークウェブ上の掲示板で、競技初日と翌日に貴組織の Web サイトを対象とした攻撃予告を確認しました。"
	 "予告では DDoS 攻撃の実行が示唆されています。\n\n"
	 "- 予告の対象: 貴組織の公式サイト、チケット関連サイト\n- 予告された時間帯: 7/21 20:00 以降\n\n"
	 "CDN・上位回線事業者との連絡体制を確認し、異常があれば直ちに連絡してください。**本情報は他者へ展開しないでください。**",
	 {"organiser|確認しました。CDN 事業者と監視を強化します。"}, NULL, NULL},
	{"2021-07-22 09:30", "professional", "cc", "important", "attack_foresight", "red",
	 "cs-005 cs-029 ministry-3", DT_MUST_READ,
	 "【重要】鉄道運行情報サイトを対象とした DDoS 攻撃の示唆",
	 "攻撃者グループの SNS アカウントで、鉄道事業者の運行情報サイトを DDoS 攻撃の対象とする投稿を確認しました。"
	 "現時点で攻撃は観測されていません。\n\n"
	 "投稿で言及された送信元の一部: 198.51.100.120-198.51.100.127\n\n"
	 "運行情報の代替掲載手段(SNS、駅掲示)の準備をお願いします。",
	 {"rail-member|確認しました。代替掲載の手順を再確認しました。", "ministry-3|所管として状況を注視します。"},
	 NULL, NULL},
	{"2021-07-23 07:00", "professional", "cc", "important", "attack_foresight", "green", NULL,
	 DT_MUST_READ | DT_SHARE_RAIL,
	 "【重要】DDoS 攻撃キャンペーン (#OpBoycottOlympics) に関する注意喚起",
	 "大会開催に反対する攻撃キャンペーン #OpBoycottOlympics が SNS 上で呼び掛けられています。"
	 "開会式当日(7/23)を中心に、大会関係組織の Web サイトへの DDoS 攻撃が予告されています。\n\n"
	 "観測された攻撃元の例:\n\n```\n198.51.100.14\n198.51.100.15\n203.0.113.201\n```\n\n"
	 "- CDN・WAF のレート制限の確認\n- 上位回線事業者との連絡手順の確認\n- 攻撃を受けた場合は、そうだんの窓口から第一報を",
	 {"cs-029|鉄道 ISAC でも共有しました。", "partner-07|WAF のしきい値を見直しました。",
	  "agency-1|開会式前後の DDoS 観測状況は随時共有します。"},
	 NULL, NULL},
	{"2021-07-23 08:00", "general", "cc", "caution", "alert", "clear", NULL, DT_GENERAL | DT_SHARE_RAIL,
	 "【注意】偽のライブ配信サイトへの注意(開会式)",
	 "開会式や競技の「無料ライブ配信」をうたう偽サイトが多数確認されています。視聴のためと称して"
	 "アカウント登録やカード情報の入力を求めます。\n\n"
	 "確認された例: live-tokyo-games.example、free-stream2020.example、olympic-tv-live.example\n\n"
	 "公式の配信は公式サイトからのみ行われます。職員や関係者への周知をお願いします。",
	 {"sport-08|選手・関係者向けにも周知しました。"}, NULL, NULL},
	{"2021-07-23 22:00", "professional", "cc", "info", "incident", "green", NULL, 0,
	 "【情報】開会式当日に発生した事象の共有(閲覧障害)",
	 "開会式当日に体制参加組織から報告のあった事象を、組織を特定できる情報を除いて共有します。\n\n"
	 "- 公式オンラインショップでアクセス過多による閲覧障害(攻撃ではなく正規のアクセス集中)\n"
	 "- クラウドサービスの一時的な障害による予約システムの遅延\n\n"
	 "いずれも大会運営への影響はありませんでした。",
	 {NULL}, NULL, NULL},
	{"2021-07-24 10:00", "professional", "cc", "important", "vulnerability", "green", NULL, 0,
	 "【重要】iOS / iPadOS におけるゼロデイ脆弱性",
	 "Apple 社の iOS / iPadOS に、悪用が確認されているゼロデイ脆弱性(メモリ破損により任意のコードを"
	 "カーネル権限で実行される)が公表されました。\n\n"
	 "業務用スマートフォン・タブレットを最新の iOS / iPadOS に更新してください。MDM で更新状況を確認できます。",
	 {"partner-12|MDM で配布済みです。"}, NULL, NULL},
	{"2021-07-26 12:00", "professional", "cc", "important", "alert", "amber+strict", "organiser",
	 DT_MUST_READ,
	 "【重要】大会公式サイトに類似したドメインを悪用したフィッシングサイト",
	 "大会公式サイトに類似したドメインで、チケット払い戻しを装うフィッシングサイトを確認しました。\n\n"
	 "- tokyo-games-refund.example(203.0.113.32)\n- ticket-support-games.example(203.0.113.33)\n\n"
	 "テイクダウンの要請についてご相談ください。",
	 {"organiser|テイクダウンをお願いします。公式サイトでも注意喚起を掲載します。"}, NULL, NULL},
	{"2021-07-27 09:00", "general", "cc", "caution", "alert", "clear", NULL, DT_GENERAL,
	 "【注意】ワクチン接種の案内を装った不正サイトへの注意",
	 "ワクチン接種の予約案内を装い、個人情報を入力させる不正サイトが確認されています"
	 "(例: vaccine-navi-reserve.example)。公的な案内は自治体の公式サイトで確認してください。",
	 {NULL}, NULL, NULL},
	{"2021-07-26 15:00", "professional", "cc", "info", "malware", "green", NULL, 0,
	 "【情報】東京2020大会を騙るプログラムの存在を確認",
	 "大会の名称を騙る実行ファイル(大会の日程表や観戦ガイドを装う)の存在を確認しました。"
	 "現時点で国内での被害は確認されていません。\n\n配布元の例: games-schedule.example",
	 {"cti-3|同種の検体を当社でも確認しています。"}, "2021-07-30 11:00",
	 "\n\n**7/30 更新**: 新たな配布元 guide-2020.example と、通信先 192.0.2.150 を追記しました。"},
	{"2021-07-28 10:00", "professional", "coordinator", "caution", "observation", "amber",
	 "venue-01 venue-02 venue-03 venue-04", 0,
	 "【注意】会場管理システムで RDP ポートが公開されている事例",
	 "複数の会場で、空調・照明などの管理システムの RDP ポート(3389/tcp)がインターネットに公開されている"
	 "ことを観測しました。該当する IP アドレスは各組織の観測情報通知でお知らせします。\n\n"
	 "公開の必要がなければ閉じ、必要な場合は VPN 経由に限定してください。",
	 {"venue-02|当会場は該当なしを確認しました。"}, NULL, NULL},
	{"2021-07-29 10:00", "professional", "agency-analyst", "info", "malware", "amber", NULL, 0,
	 "Trickbot 関連の C2 サーバ一覧(大会期間中の観測分)",
	 "大会期間中に観測した Trickbot の C2 サーバです。ブロックリストへの登録にご利用ください"
	 "(TLP:AMBER: 自組織内の必要な者まで)。\n\n"
	 "```\n203.0.113.10\n203.0.113.11\n203.0.113.57\n198.51.100.230\n```",
	 {"cti-2|当社のブロックリストに登録しました。"}, NULL, NULL},
	{"2021-08-02 10:00", "professional", "agency-1", "info", "observation", "green", NULL, 0,
	 "大会期間中の DDoS 攻撃観測状況(第2週)",
	 "7/29-8/4 の週に観測した DDoS 攻撃は 6 件で、いずれも数分から 30 分程度で収束しています。"
	 "最大規模は約 12 Gbps(UDP リフレクション)でした。大会運営への影響はありませんでした。",
	 {NULL}, NULL, NULL},
	{"2021-08-06 10:00", "general", "cc", "info", "event_schedule", "clear", NULL, DT_GENERAL,
	 "閉会式当日の体制について",
	 "8 月 8 日の閉会式当日は、開会式と同様に増員して対応します。偽ライブ配信サイトへの注意喚起も再度行います。",
	 {NULL}, NULL, NULL},
	{"2021-08-09 14:00", "general", "cc", "caution", "emergency", "clear", NULL, DT_GENERAL,
	 "【注意】大雨特別警報の発表に伴う連絡体制の確認",
	 "一部の地域に大雨特別警報が発表されています。停電・浸水によるシステム停止が発生した場合は、"
	 "そうだんの窓口または電話で第一報をお願いします。",
	 {"gov-5|庁舎は通常どおり稼働しています。"}, NULL, NULL},
	{"2021-08-20 10:00", "general", "cc", "info", "event_schedule", "clear", NULL, DT_GENERAL,
	 "大会関連スケジュール(パラリンピック)",
	 "| 日付 | 行事 |\n|---|---|\n| 8/24 | 開会式 |\n| 9/5 | 閉会式 |\n\n"
	 "パラリンピック期間も 24 時間体制を継続します。", {NULL}, NULL, NULL},
	{"2021-09-06 10:00", "general", "cc", "info", "event_schedule", "clear", NULL, DT_GENERAL | DT_PINNED,
	 "大会期間中のご協力への御礼",
	 "オリンピック・パラリンピックの全日程が終了しました。期間中、大会の運営に影響を及ぼすインシデントは"
	 "発生しませんでした。皆さまのご協力に感謝いたします。\n\n"
	 "大会後も情報共有の体制は継続します。今後の運用については改めてお知らせします。",
	 {"organiser|ありがとうございました。", "cs-005|鉄道 ISAC の活動も続けていきます。",
	  "agency-3|引き続きよろしくお願いいたします。"},
	 NULL, NULL},
	{"2021-09-13 10:00", "professional", "cc", "info", "incident", "green", NULL, 0,
	 "【情報】大会期間中のインシデント報告のまとめ",
	 "大会期間中(7/21-9/5)の報告は全 19 件で、うち 17 件がインシデント報告、2 件がセキュリティ対策の相談でした。\n\n"
	 "| 分類 | 件数 |\n|---|---|\n| 障害(クラウドサービス 7、システム 3) | 10 |\n| 大量アクセス | 3 |\n"
	 "| DoS 攻撃 | 3 |\n| Web サイト改ざん | 1 |\n| 相談 | 2 |\n\n"
	 "大会の運営に影響を及ぼすインシデントはありませんでした。",
	 {NULL}, NULL, NULL},
	/* English-speaking contributors (CTI vendors, analysts). */
	{"2021-07-19 16:00", "info-cti-1", "cti-1", "info", "observation", "green", NULL, 0,
	 "Weekly threat landscape: Games-themed phishing kits",
	 "We track 14 phishing kits themed on the Games this week, most of them cloning ticket-resale pages.\n\n"
	 "- Hosting: 203.0.113.90, 203.0.113.91\n- Domains: games-tickets-resale.example, official-tix.example\n\n"
	 "All indicators are loaded into our customers' blocklists.",
	 {"agency-analyst|Thanks, we see the same kits in our honeypots."}, NULL, NULL},
	{"2021-08-03 09:00", "info-cti-2", "cti-2", "caution", "malware", "green", NULL, 0,
	 "【注意】Mirai variant scanning for exposed DVRs near venue networks",
	 "A Mirai variant is brute-forcing telnet on DVRs and IP cameras. Scanning sources include "
	 "192.0.2.33 and 198.51.100.61. Change default credentials and keep management ports off the Internet.",
	 {NULL}, NULL, NULL},
	/* ---- the railway ISAC ---- */
	{"2020-04-16 10:00", "rail-isac", "rail-member", "info", "event_schedule", "green", NULL, DT_PINNED,
	 "鉄道 ISAC の発足と運営方針について",
	 "鉄道事業者 7 社で鉄道 ISAC を発足しました。\n\n"
	 "- 運行・予約・駅設備に関する脅威情報とインシデントの教訓を共有します\n"
	 "- 対処調整センターの情報のうち鉄道に関わるものは、運営者がこのコミュニティに共有します\n"
	 "- TLP:GREEN の情報は会員組織の中にとどめてください",
	 {"cs-029|よろしくお願いします。", "ministry-3|所管省庁としてオブザーバー参加します。"}, NULL, NULL},
	{"2020-07-08 10:00", "rail-isac", "cs-029", "caution", "observation", "green", NULL, 0,
	 "【注意】駅構内無料 Wi-Fi への不審な接続試行について",
	 "当社の駅構内 Wi-Fi の管理画面に対し、海外からのログイン試行が増えています"
	 "(送信元 198.51.100.42、198.51.100.43)。各社の管理画面の公開範囲をご確認ください。",
	 {"cs-053|当社でも同じ送信元を観測しました。"}, NULL, NULL},
	{"2020-11-12 10:00", "rail-isac", "rail-member", "info", "vulnerability", "amber", NULL, 0,
	 "運行管理システムの保守回線の管理状況(アンケート結果)",
	 "保守ベンダーの遠隔保守回線について、各社の管理状況をアンケートしました。常時接続が 3 社、"
	 "申請時のみ接続が 4 社でした。常時接続の場合は接続元の制限とログの確認をお願いします。",
	 {NULL}, NULL, NULL},
	{"2021-02-22 10:00", "rail-isac", "cs-053", "important", "incident", "green", NULL, 0,
	 "【重要】乗車券予約サイトへのリスト型攻撃の発生と対処",
	 "当社の乗車券予約サイトに対し、他サイトから漏えいしたと見られる ID・パスワードによる"
	 "リスト型攻撃(クレデンシャルスタッフィング)がありました。\n\n"
	 "- 送信元: 203.0.113.120-203.0.113.160(数百件の IP から分散)\n- 対処: 同一 IP の試行回数制限、二要素認証の案内\n\n"
	 "不正ログインの成功は 12 件で、ポイントの不正利用はありませんでした。",
	 {"rail-member|共有ありがとうございます。当社でも試行回数制限を確認します。",
	  "cs-101|送信元リストを WAF に登録しました。"},
	 NULL, NULL},
	{"2021-06-30 10:00", "rail-isac", "rail-member", "info", "event_schedule", "green", NULL, 0,
	 "大会期間中の臨時ダイヤと監視体制の共有",
	 "大会期間中は各社とも臨時ダイヤで運行します。セキュリティ監視の体制(当番・連絡先)を各社ご記入ください。",
	 {"cs-077|24 時間 2 名体制です。", "cs-125|夜間は 1 名、オンコール 1 名です。"}, NULL, NULL},
	{"2021-08-12 10:00", "rail-isac", "cs-101", "caution", "incident", "amber", NULL, 0,
	 "【注意】Emotet 感染端末の早期発見事例",
	 "当社で Emotet に感染した端末を、EDR のアラートから 30 分以内に隔離できた事例を共有します。"
	 "感染経路は取引先を装う返信型メールでした。",
	 {"rail-member|貴重な事例ありがとうございます。"}, NULL, NULL},
	{"2021-09-15 10:00", "rail-isac", "cs-029", "info", "event_schedule", "green", NULL, 0,
	 "Rail sector tabletop exercise: English summary",
	 "Summary of our tabletop exercise for overseas partners: a ransomware outbreak in the seat-reservation "
	 "system during peak traffic. Main lessons: keep offline copies of timetables, and agree in advance who "
	 "announces service changes.",
	 {NULL}, NULL, NULL},
	/* ---- the Toto region working group ---- */
	{"2020-10-01 15:00", "toto-region-wg", "gov-toto", "info", "event_schedule", "green", NULL, DT_PINNED,
	 "東都地域ワーキンググループの発足について",
	 "東都の会場・自治体・警察・重要サービス事業者で、大会期間中の地域の連絡体制を確認するワーキンググループを"
	 "発足しました。月 1 回オンラインで会合を開きます。",
	 {"police-toto|よろしくお願いします。"}, NULL, NULL},
	{"2021-01-20 10:00", "toto-region-wg", "police-toto", "info", "emergency", "green", NULL, 0,
	 "地震発生時の情報共有訓練の結果",
	 "震度 6 強の地震を想定した情報共有訓練を実施しました。通信の輻輳により電話がつながらない想定で、"
	 "プラットフォーム上での安否・被害状況の共有に平均 25 分かかりました。",
	 {"venue-07|会場の非常用電源の稼働時間も共有が必要だと感じました。"}, NULL, NULL},
	{"2021-03-10 10:00", "toto-region-wg", "gov-toto", "info", "event_schedule", "green", NULL, 0,
	 "聖火リレー(東都区間)の日程と連絡体制",
	 "聖火リレーの東都区間の日程と、沿道の交通管制・中継配信に関する連絡先をまとめました。", {NULL}, NULL, NULL},
	{"2021-06-07 10:00", "toto-region-wg", "venue-01", "caution", "alert", "amber", NULL, 0,
	 "【注意】会場公式サイトの改ざん検知時の連絡手順",
	 "会場の公式サイトで改ざんを検知した場合の連絡手順を確認しました。"
	 "1) サイトの公開停止、2) そうだんの窓口へ第一報、3) 東都警察本部への相談、の順に進めます。",
	 {"police-toto|証拠保全のため、ログとファイルは消さずに保管してください。"}, NULL, NULL},
	{"2021-07-19 10:00", "toto-region-wg", "cs-021", "info", "observation", "green", NULL, 0,
	 "会場周辺の交通管制システムの監視強化について",
	 "大会期間中、会場周辺の交通管制システムの監視を強化します。異常時は WG の連絡網で共有します。",
	 {NULL}, NULL, NULL},
	/* ---- the sports bodies' study group ---- */
	{"2019-09-10 10:00", "sports-study", "sport-01", "info", "alert", "clear", NULL, DT_PINNED | DT_GENERAL,
	 "第1回勉強会「スポーツ団体を狙うサイバー攻撃」資料",
	 "第1回勉強会の資料を共有します。過去の大会では、競技団体の公式サイト改ざん、選手情報の漏えい、"
	 "SNS アカウントの乗っ取りなどが起きています。まずはパスワードの管理から始めましょう。",
	 {"sport-15|分かりやすい資料でした。団体内で共有します。"}, NULL, NULL},
	{"2020-02-05 10:00", "sports-study", "cc", "caution", "vulnerability", "green", NULL, DT_GENERAL,
	 "【注意】Web サイト簡易チェックの結果の見方",
	 "各団体の公式サイトの簡易チェック結果を個別にお送りしました。「要対応」は、古い CMS やプラグイン、"
	 "管理画面の公開など、改ざんにつながるおそれのある項目です。",
	 {"sport-22|CMS の更新方法が分からないので相談させてください。",
	  "agency-2|更新手順の資料をお送りします。"},
	 NULL, NULL},
	{"2020-09-15 10:00", "sports-study", "sport-03", "caution", "alert", "clear", NULL, DT_GENERAL,
	 "【注意】SNS アカウントの乗っ取りにご注意ください",
	 "当連盟の公式 SNS アカウントにログイン試行の通知が相次ぎました。二要素認証を有効にしていたため"
	 "被害はありませんでした。まだの団体は設定をおすすめします。",
	 {NULL}, NULL, NULL},
	{"2021-04-12 10:00", "sports-study", "sport-11", "info", "incident", "green", NULL, DT_GENERAL,
	 "チケット転売・偽サイトに関する相談事例",
	 "大会のチケット転売をうたう偽サイト(tickets-resale-games.example)について、会員から問い合わせがありました。"
	 "対処調整センターに相談し、注意喚起文を掲載しました。",
	 {"cc|他の団体にも同様の問い合わせがあれば共有してください。"}, NULL, NULL},
	{"2021-05-10 10:00", "sports-study", "cc", "info", "alert", "clear", NULL, DT_GENERAL,
	 "自己学習コンテンツ(クイズ形式)を公開しました",
	 "セキュリティ担当者が少ない団体向けに、クイズ形式の自己学習コンテンツを公開しました。"
	 "1 回 10 分程度で、フィッシング、パスワード、SNS の 3 テーマです。",
	 {"sport-27|早速やってみました。"}, NULL, NULL},
};

/* ---- generated series ---- */

struct gen {
	struct arena *a;
	struct demo_topic *v;
	size_t n, cap;
	uint32_t s;
};

static uint32_t gen_rand(struct gen *g)
{
	g->s ^= g->s << 13;
	g->s ^= g->s >> 17;
	g->s ^= g->s << 5;
	return g->s;
}

static struct demo_topic *gen_add(struct gen *g)
{
	if (g->n == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 256;
		struct demo_topic *nv = arena_alloc(g->a, sizeof(*nv) * nc);
		if (g->n)
			memcpy(nv, g->v, sizeof(*nv) * g->n);
		g->v = nv;
		g->cap = nc;
	}
	struct demo_topic *t = &g->v[g->n++];
	memset(t, 0, sizeof *t);
	return t;
}

/* Days of the Games: Olympics 7/21-8/8, Paralympics 8/24-9/5 (2021). */
static void daily_reports(struct gen *g)
{
	static const char *const notes[] = {
		"偽ライブ配信サイトを新たに確認し、大会組織委員会に通知しました。",
		"開会式に向けた DDoS 攻撃の呼び掛けを引き続き監視しています。",
		"クラウドサービスの障害に関する報告が 1 件ありました(大会への影響なし)。",
		"公式オンラインショップでアクセス過多による閲覧障害が発生しました。",
		"観測対象の Web サイトの生死監視で、一時的な接続障害を 2 件検知しました。",
		"フィッシングサイトのテイクダウンを 1 件要請しました。",
		"特記事項はありません。",
		"不正通信の観測に基づき、関係組織へ個別に通知しました。",
	};
	for (int i = 0; i < 32; i++) {
		int mon = i < 19 ? 7 : (i < 27 ? 8 : 9);
		int day = i < 19 ? 21 + i : (i < 27 ? 24 + (i - 19) : 1 + (i - 27));
		if (mon == 7 && day > 31) {
			mon = 8;
			day -= 31;
		}
		int incidents = (int)(gen_rand(g) % 3);
		int notices = 1 + (int)(gen_rand(g) % 5);
		struct demo_topic *t = gen_add(g);
		t->when = arena_printf(g->a, "2021-%02d-%02d 18:00", mon, day);
		t->community = "cc-contact";
		t->author = "cc";
		t->tag = "info";
		t->category = i % 2 ? "incident" : "observation";
		t->tlp = "green";
		t->title = arena_printf(g->a, "【情報】対処調整センター デイリーレポート(%d月%d日)", mon, day);
		t->body = arena_printf(g->a,
				       "本日(%d/%d)の対処調整センターの活動状況です。\n\n"
				       "- インシデント報告: %d 件\n- 観測情報の通知: %d 件\n- 脅威情報の提供: %d 件\n\n"
				       "%s\n\n大会の運営に影響を及ぼすインシデントは発生していません。",
				       mon, day, incidents, notices, (int)(gen_rand(g) % 3),
				       notes[gen_rand(g) % KR_ARRAY_LEN(notes)]);
		if (i == 2)
			t->comments[0] = "organiser|毎日の共有ありがとうございます。";
	}
}

/* CTI vendors' reports in their information communities (info-cti-N). */
static void vendor_reports(struct gen *g)
{
	static const struct {
		const char *cat, *tag, *title, *body;
	} kinds[] = {
		{"malware", "caution", "【注意】Emotet の新しい配布キャンペーン",
		 "今週、請求書や会議案内を装う Emotet の配布メールが増加しています。当社製品では検知済みです。"
		 "観測した通信先は次のとおりです。"},
		{"malware", "info", "Trickbot C2 infrastructure update",
		 "New Trickbot C2 servers observed this week are listed below. "
		 "Indicators are also available in our TAXII feed."},
		{"observation", "info", "大会関連ドメインの観測状況",
		 "大会に関連する新規登録ドメインを監視しています。今週も不審ドメインとフィッシングサイト"
		 "(例: games-login.example)を確認しました。ホスティング先は次のとおりです。"},
		{"vulnerability", "caution", "【注意】Web アプリケーションへの SQL インジェクション攻撃の観測",
		 "大会関係組織の Web サイトに対する SQL インジェクション・XSS の試行を観測しました。"
		 "WAF のシグネチャを最新にしてください。主な送信元は次のとおりです。"},
		{"attack_foresight", "caution", "Dark-web chatter about attacks on Games sponsors",
		 "Forum posts name sponsor websites as targets for DDoS and defacement. We will notify the named "
		 "organisations individually. Infrastructure mentioned in the posts:"},
		{"observation", "info", "Mirai 系ボットネットのスキャン観測",
		 "IoT 機器を狙う Mirai 系のスキャンが 23/tcp と 2323/tcp で増えています。主な送信元は次のとおりです。"},
	};
	static const char *const weeks[] = {
		"2020年11月", "2021年1月", "2021年3月", "2021年5月", "2021年6月第4週", "2021年7月第3週",
		"2021年7月第4週", "2021年8月第1週", "2021年8月第2週", "2021年8月第4週",
	};
	static const char *const dates[] = {
		"2020-11-20", "2021-01-22", "2021-03-19", "2021-05-21", "2021-06-25", "2021-07-16",
		"2021-07-23", "2021-07-30", "2021-08-06", "2021-08-27",
	};
	for (size_t w = 0; w < KR_ARRAY_LEN(weeks); w++) {
		for (int v = 1; v <= 5; v++) {
			/* Not every vendor reports every period: about half do. */
			if ((gen_rand(g) % 10) >= 4 && !(w >= 5 && w <= 7))
				continue;
			size_t k = (w + (size_t)v) % KR_ARRAY_LEN(kinds);
			struct demo_topic *t = gen_add(g);
			t->when = arena_printf(g->a, "%s %02d:30", dates[w], 10 + v);
			t->community = arena_printf(g->a, "info-cti-%d", v);
			t->author = arena_printf(g->a, "cti-%d", v);
			t->tag = kinds[k].tag;
			t->category = kinds[k].cat;
			t->tlp = (v + (int)w) % 4 == 0 ? "amber" : (v % 2 ? "green" : "clear");
			t->title = arena_printf(g->a, "%s(%s)", kinds[k].title, weeks[w]);
			t->body = arena_printf(g->a, "%s\n\n```\n203.0.113.%u\n198.51.100.%u\n```", kinds[k].body,
					       10 + gen_rand(g) % 240, 10 + gen_rand(g) % 240);
		}
	}
}

/* Observation notices: the coordination center posts into one
 * organisation's private community (R10). */
static void observation_notices(struct gen *g)
{
	static const struct {
		const char *org, *when, *tlp, *tag, *title, *body;
	} obs[] = {
		{"organiser", "2021-07-21 21:10", "red", "important", "【重要】公式サイトへの DDoS 攻撃を観測",
		 "20:55 頃から公式サイト(203.0.113.5)に対し、最大 8 Gbps の UDP リフレクション攻撃を観測しています。"
		 "CDN により現時点でサービスへの影響は見られません。"},
		{"organiser", "2021-07-22 11:00", "amber", "caution", "【注意】偽ライブ配信サイトの観測(3件)",
		 "ダークウェブ調査で、開会式の偽ライブ配信サイトを 3 件確認しました: watch-opening-live.example、"
		 "games-hd-stream.example、tokyo-live-now.example。テイクダウンを要請します。"},
		{"organiser", "2021-07-23 15:20", "amber", "caution", "【注意】偽ライブ配信サイトの観測(5件)",
		 "開会式に向けて偽ライブ配信サイトが増えています。新たに 5 件を確認しました(stream-games-free.example ほか)。"},
		{"organiser", "2021-08-08 12:00", "amber", "caution", "【注意】閉会式の偽ライブ配信サイト",
		 "閉会式の偽ライブ配信サイトを 4 件確認しました(closing-live-hd.example ほか)。"},
		{"cs-005", "2021-07-22 10:30", "red", "important", "【重要】運行情報サイトへの攻撃予告を確認",
		 "貴社の運行情報サイト(198.51.100.80)を対象とした攻撃予告を確認しました。攻撃は未観測です。"},
		{"cs-005", "2021-08-24 20:40", "amber", "caution", "【注意】予約サイトへの不正通信を観測",
		 "貴社の予約サイトに対し、203.0.113.77 からログイン試行が 1 時間に約 4,000 回ありました。"},
		{"venue-01", "2021-07-28 09:00", "amber", "caution", "【注意】会場管理システムの RDP ポート公開",
		 "192.0.2.18 の 3389/tcp がインターネットから到達可能です。空調管理システムと見られます。"},
		{"venue-03", "2021-07-28 09:05", "amber", "caution", "【注意】会場管理システムの RDP ポート公開",
		 "198.51.100.200 の 3389/tcp がインターネットから到達可能です。"},
		{"gov-toto", "2021-03-08 10:00", "amber+strict", "important", "【重要】Exchange Server の脆弱性が残る機器",
		 "203.0.113.44 で稼働する Microsoft Exchange Server が、3 月に公表された脆弱性の修正版になっていません。"},
		{"cs-021", "2021-07-25 13:00", "amber", "caution", "【注意】Web サイトの接続障害を検知",
		 "生死監視で、www.cs-021.example が 12:40 から 12:58 まで応答しませんでした。原因をご確認ください。"},
		{"cs-040", "2021-08-30 09:00", "red", "important", "【重要】認証情報の漏えいを確認",
		 "ダークウェブ上で、貴社ドメイン(cs-040.example)のメールアドレスとパスワード 23 件を確認しました。"},
		{"sport-05", "2021-06-20 10:00", "amber", "caution", "【注意】公式サイトの CMS が古いバージョン",
		 "公式サイト(www.sport-05.example)の CMS に既知の脆弱性があります。更新をお願いします。"},
		{"partner-01", "2021-07-21 20:30", "red", "important", "【重要】チケット関連サイトへの DDoS 攻撃",
		 "203.0.113.25 に対し、最大 3 Gbps の攻撃を観測しています。"},
		{"cs-029", "2021-07-23 19:00", "amber", "caution", "【注意】ボットネットからの不正通信",
		 "貴社の 198.51.100.150 から Mirai 系 C2 (192.0.2.99) への通信を観測しました。感染端末の可能性があります。"},
		{"venue-07", "2021-08-25 08:30", "clear", "info", "【情報】Web サイトの接続障害は解消",
		 "昨夜検知した接続障害は 23:10 に解消しました。"},
		{"police-toto", "2021-07-24 10:00", "amber", "caution", "【注意】類似ドメインの新規登録",
		 "貴組織のドメインに類似した police-toto-info.example の新規登録を確認しました。"},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(obs); i++) {
		struct demo_topic *t = gen_add(g);
		t->when = obs[i].when;
		t->community = arena_printf(g->a, "obs-%s", obs[i].org);
		t->author = "cc";
		t->tag = obs[i].tag;
		t->category = strstr(obs[i].title, "予告") ? "attack_foresight" : "observation";
		t->tlp = obs[i].tlp;
		t->title = obs[i].title;
		t->body = obs[i].body;
		if (str_eq(obs[i].org, "cs-005") && i == 4)
			t->comments[0] = "rail-member|確認しました。監視を強化します。";
		else if (i % 3 == 0)
			t->comments[0] = arena_printf(g->a, "%s|確認しました。対処状況は追って報告します。", obs[i].org);
	}
}

/* Monthly vulnerability round-ups from the security agencies. */
static void monthly_roundups(struct gen *g)
{
	static const char *const items[] = {
		"Web ブラウザの任意コード実行の脆弱性", "VPN 機器の認証回避の脆弱性", "CMS プラグインの SQL インジェクション",
		"メールサーバの権限昇格の脆弱性", "ネットワーク機器の管理画面の XSS", "Java ライブラリのリモートコード実行",
		"仮想化基盤のサービス拒否(DoS)", "PDF ビューアのメモリ破損",
	};
	int k = 0;
	for (int y = 2019; y <= 2021; y++) {
		for (int m = 1; m <= 12; m += 2) {
			if ((y == 2019 && m < 5) || (y == 2021 && m > 7))
				continue;
			int agency = 1 + (k % 2);
			struct demo_topic *t = gen_add(g);
			t->when = arena_printf(g->a, "%d-%02d-%02d 10:00", y, m, 8 + (int)(gen_rand(g) % 10));
			t->community = "professional";
			t->author = arena_printf(g->a, "agency-%d", agency);
			t->tag = k % 3 == 0 ? "caution" : "info";
			t->category = "vulnerability";
			t->tlp = k % 4 == 3 ? "clear" : "green";
			const char *a1 = items[gen_rand(g) % KR_ARRAY_LEN(items)];
			const char *a2 = items[gen_rand(g) % KR_ARRAY_LEN(items)];
			t->title = arena_printf(g->a, "%d年%d月の脆弱性情報まとめ", y, m);
			t->body = arena_printf(g->a,
					       "%d 年 %d 月に公表された脆弱性のうち、体制参加組織で利用の多い製品に関するものを"
					       "まとめました。\n\n- %s\n- %s\n\n各製品の修正版の適用状況をご確認ください。",
					       y, m, a1, a2);
			k++;
		}
	}
}

static int by_when(const void *x, const void *y)
{
	const struct demo_topic *a = x, *b = y;
	int c = strcmp(a->when, b->when);
	return c ? c : strcmp(a->title, b->title);
}

/* The tag is a field shown as 【重要】/【注意】/【情報】 before the title
 * (R4.2); the tables write it into the title the way JISP's users did,
 * so drop it there when it repeats the tag. */
static const char *untagged(const char *title, const char *tag)
{
	static const char *const labels[][2] = {
		{"important", "【重要】"}, {"caution", "【注意】"}, {"info", "【情報】"}};
	for (size_t i = 0; i < KR_ARRAY_LEN(labels); i++) {
		size_t k = strlen(labels[i][1]);
		if (str_eq(tag, labels[i][0]) && !strncmp(title, labels[i][1], k))
			return title + k;
	}
	return title;
}

const struct demo_topic *demo_topics_all(struct arena *a, size_t *n)
{
	struct gen g = {.a = a, .s = 20190401};
	for (size_t i = 0; i < KR_ARRAY_LEN(fixed); i++)
		*gen_add(&g) = fixed[i];
	daily_reports(&g);
	vendor_reports(&g);
	observation_notices(&g);
	monthly_roundups(&g);
	for (size_t i = 0; i < g.n; i++)
		g.v[i].title = untagged(g.v[i].title, g.v[i].tag);
	qsort(g.v, g.n, sizeof *g.v, by_when);
	*n = g.n;
	return g.v;
}
