// Package demo fills an empty book with a realistic one: companies in
// Chinese and English, contacts, leads spread over the pipeline, visits and
// calls with bilingual notes, follow-ups around today, and complaints on
// some won accounts. Technical support and after-sales work on some of
// the leads (see SupportUser); leadership approves the big deals, and won
// accounts are handed off to after-sales and support (work.go). The same
// seed gives the same book.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// Options size and pin the demo book.
type Options struct {
	Leads int   // number of leads; zero means 200
	Seed  int64 // zero means 1
	Now   time.Time
	// ActivitiesPerLead is the average number of activities; zero means 10.
	ActivitiesPerLead int
	// SalesOnly leaves support and after-sales out (SupportUser): a book
	// a rep can push as their own, since only a manager assigns a lead.
	SalesOnly bool
	// Progress, when set, is called after each batch with leads written.
	Progress func(done, total int)
}

// ErrNotEmpty is returned when the book already has leads.
var ErrNotEmpty = fmt.Errorf("the database already has leads; demo data goes only into an empty book (pick another file with --db)")

// batch is how many leads one transaction writes: big enough to amortise
// the commit, small enough to show progress and keep memory flat.
const batch = 2000

// Generate writes the demo book into st, which must hold no leads.
func Generate(st *store.Store, opt Options) error {
	if opt.Leads <= 0 {
		opt.Leads = 200
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.ActivitiesPerLead <= 0 {
		opt.ActivitiesPerLead = 10
	}
	err := st.View(func(tx *store.Tx) error {
		cards, err := tx.Cards()
		if err == nil && len(cards) > 0 {
			return ErrNotEmpty
		}
		return err
	})
	if err != nil {
		return err
	}
	g := &gen{r: rand.New(rand.NewPCG(uint64(opt.Seed), 0x5eed)), h: rand.New(rand.NewPCG(uint64(opt.Seed), 0x4e1b)),
		w: rand.New(rand.NewPCG(uint64(opt.Seed), 0xa99e)), opt: opt, loc: st.Rules().Location, rules: st.Rules()}
	for start := 0; start < opt.Leads; start += batch {
		n := min(batch, opt.Leads-start)
		err := st.Update(func(tx *store.Tx) error {
			for i := range n {
				if err := g.lead(tx, start+i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo lead %d: %w", start, err)
		}
		if opt.Progress != nil {
			opt.Progress(start+n, opt.Leads)
		}
	}
	return nil
}

// SupportUser and AftersalesUser are the technical-support and
// after-sales colleagues the demo assigns to some leads, so that a demo
// book shows what those roles see once synced: support on leads at the
// solution stage or later (and one before it, which support does not see
// yet), after-sales on won accounts, each with activities of their own.
const (
	SupportUser    = "zhou.support"
	AftersalesUser = "lin.aftersales"
)

type gen struct {
	r   *rand.Rand
	opt Options
	loc *time.Location
	// h draws support's and after-sales' part from a stream of its own,
	// so that the rest of the book is the one the seed gave without them.
	h *rand.Rand
	// early is whether a lead before the solution stage has support on it.
	early bool
	// w draws the approvals and the service work (work.go), from a stream
	// of its own too; rules are the book's approval and hand-off rules.
	w     *rand.Rand
	rules model.Rules
	// pair is whether the concurrent pair of decisions was written;
	// signed, whether a customer signed a service order off.
	pair, signed bool
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// stageWeights spreads leads over the default pipeline like a real book:
// many prospects, fewer deals late in the funnel.
var stageWeights = []struct {
	key    string
	weight int
}{{"prospect", 25}, {"qualified", 18}, {"contacted", 17}, {"solution", 13}, {"negotiation", 10}, {"won", 10}, {"lost", 7}}

func (g *gen) stage() string {
	n := g.r.IntN(100)
	for _, s := range stageWeights {
		if n < s.weight {
			return s.key
		}
		n -= s.weight
	}
	return "prospect"
}

func (g *gen) lead(tx *store.Tx, i int) error {
	now := g.opt.Now
	english := g.r.IntN(10) < 3
	l := model.Lead{
		Company:  g.company(english, i),
		City:     g.pick(cities[b2i(english)]),
		Industry: g.pick(industries),
		Source:   model.Channels[g.r.IntN(len(model.Channels))].Key,
		Stage:    g.stage(),
		Value:    model.Money{Amount: int64(5+g.r.IntN(496)) * 10000_00, Currency: "CNY"},
		Contacts: []model.Contact{g.contact(english)},
		Tags:     []string{g.pick(tags)},
	}
	if g.r.IntN(3) == 0 {
		l.Contacts = append(l.Contacts, g.contact(english))
	}
	l.Region = regionOf(l.City)
	l.Screening = map[string]bool{}
	for _, c := range model.DefaultScreening() {
		l.Screening[c.Key] = g.r.IntN(3) > 0
	}
	created := now.Add(-time.Duration(30+g.r.IntN(330)) * 24 * time.Hour)
	l.CreatedAt = created
	l.StageEnteredAt = created.Add(time.Duration(g.r.Int64N(int64(now.Sub(created)) / 2)))
	switch l.Stage {
	case "solution", "negotiation", "won":
		l.Solution = model.Solution{Products: g.pick(products), SupplyPlan: "分两期交付 / two deliveries", Pricing: "阶梯价 tiered", AfterSales: "两年保修 2-year warranty"}
	}
	switch l.Stage {
	case "negotiation", "won":
		l.Negotiation = model.Negotiation{Price: "九五折 5% off list", DeliveryDate: now.AddDate(0, 2, 0).Format(time.DateOnly), PaymentTerms: "30/60/10", ServiceTerms: "7x24"}
	case "lost":
		l.LostReason = model.LostReasons[g.r.IntN(len(model.LostReasons))].Key
	}
	if l.Stage == "won" {
		l.Contract = model.Contract{Number: fmt.Sprintf("HT-%d-%05d", now.Year(), i), SignedOn: model.DateOf(l.StageEnteredAt.In(g.loc)), Value: l.Value}
	} else {
		l.ExpectedClose = model.DateOf(now.In(g.loc)).AddDays(15 + g.r.IntN(150))
	}
	l.StageLog = g.history(&l)
	helpers := g.helpers(l.Stage)
	l.Assignees = helpers
	// A big deal is won only once leadership approved it: in a
	// sales-only book nobody did, so it waits in negotiation.
	stage := l.Stage
	waiting := stage == model.StageWon && g.opt.SalesOnly && len(g.rules.Approval.Needs(&l)) > 0
	if waiting {
		l.StageLog = l.StageLog[:len(l.StageLog)-1]
		last := l.StageLog[len(l.StageLog)-1]
		l.Stage, l.StageEnteredAt, l.Contract = last.Stage, last.At, model.Contract{}
	}
	if err := tx.AddLead(&l); err != nil {
		return err
	}
	var err error
	switch {
	case waiting:
		_, err = g.ask(tx, &l, g.recently(l.StageEnteredAt, 240), english)
	case stage == model.StageWon:
		err = g.won(tx, &l, english)
	case stage == "negotiation":
		err = g.negotiate(tx, &l, english)
	}
	if err != nil {
		return err
	}
	// Activities spread over the lead's life, oldest first.
	n := g.r.IntN(2*g.opt.ActivitiesPerLead + 1)
	span := now.Sub(created)
	// Three leads in four were touched in the last ten days or so; the
	// rest go stale, as in a real book.
	recent := n > 0 && g.r.IntN(4) > 0
	for j := range n {
		at := created.Add(time.Duration(float64(span) * (float64(j) + g.r.Float64()) / float64(n+1)))
		if recent && j == n-1 {
			at = now.Add(-time.Duration(1+g.r.IntN(12*24)) * time.Hour)
		}
		kind := g.pick(kinds)
		a := model.Activity{LeadID: l.ID, Kind: kind, StartedAt: at, Contact: l.Contacts[0].Name}
		if kind == model.KindVisit || kind == model.KindMeeting || kind == model.KindDemo {
			a.EndedAt = at.Add(time.Duration(20+g.r.IntN(100)) * time.Minute)
		}
		if g.r.IntN(2) == 0 {
			a.Outcome, a.Feedback = g.pick(outcomes), g.pick(feedback)
		}
		if err := tx.AddActivity(&a, g.notes(english)); err != nil {
			return err
		}
	}
	for _, h := range helpers {
		if err := g.helperActivity(tx, &l, h, english); err != nil {
			return err
		}
	}
	today := model.DateOf(now.In(g.loc))
	switch stage {
	case "won":
		if g.r.IntN(8) == 0 {
			c := model.Complaint{LeadID: l.ID, Severity: model.Severities[g.r.IntN(3)], Description: g.pick(complaints)}
			if l.Stage != model.StageWon {
				break // a sales-only deal still waiting for its approval
			}
			// About the first service order, when the account has one.
			orders, err := tx.ServicesOf(l.ID)
			if err != nil {
				return err
			}
			if len(orders) > 0 {
				c.ServiceID = orders[0].ID
			}
			if err := tx.AddComplaint(&c); err != nil {
				return err
			}
		}
	case "lost":
	default:
		// Most open deals have a follow-up, from five days overdue to two
		// weeks out, so the daily review has something in every section.
		if g.r.IntN(10) < 8 {
			if _, err := tx.SetFollowUp(l.ID, today.AddDays(g.r.IntN(20)-5), g.pick(actions)); err != nil {
				return err
			}
		}
	}
	return nil
}

// helpers returns who of support and after-sales works on a lead at
// stage: support on one lead in six from the solution stage on, and on
// the first lead contacted, not yet in its sight; after-sales on half of
// the won accounts.
func (g *gen) helpers(stage string) []string {
	if g.opt.SalesOnly {
		return nil
	}
	var out []string
	switch stage {
	case "solution", "negotiation", model.StageWon, model.StageLost:
		if g.h.IntN(6) == 0 {
			out = append(out, SupportUser)
		}
	case "contacted":
		if !g.early {
			g.early = true
			out = append(out, SupportUser)
		}
	}
	if stage == model.StageWon && g.h.IntN(2) == 0 {
		out = append(out, AftersalesUser)
	}
	return out
}

// helperActivity logs who's work on l: support's solution workshop or
// after-sales' installation visit, after the lead entered its stage.
func (g *gen) helperActivity(tx *store.Tx, l *model.Lead, who string, english bool) error {
	at := l.StageEnteredAt.Add(time.Duration(1+g.h.IntN(72)) * time.Hour)
	if at.After(g.opt.Now) {
		at = g.opt.Now.Add(-time.Hour)
	}
	a := model.Activity{LeadID: l.ID, Kind: model.KindMeeting, StartedAt: at, Author: who, Contact: l.Contacts[0].Name}
	notes := helperNotes[b2i(english)]
	if who == AftersalesUser {
		a.Kind = model.KindService
		notes = serviceNotes[b2i(english)]
	}
	a.EndedAt = at.Add(time.Duration(30+g.h.IntN(150)) * time.Minute)
	return tx.AddActivity(&a, notes[g.h.IntN(len(notes))])
}

// openStages is the way through the default pipeline to a win.
var openStages = []string{"prospect", "qualified", "contacted", "solution", "negotiation", "won"}

// history is how a lead reached its stage: each stage before it in
// order (a lost lead dropped out after one of the open stages), entered
// at times spread from its creation to the day it entered its stage.
// The funnel's median days in each stage come from it.
func (g *gen) history(l *model.Lead) []model.StageEntry {
	var path []string
	if l.Stage == model.StageLost {
		path = append(path, openStages[:1+g.r.IntN(len(openStages)-1)]...)
	} else {
		for _, s := range openStages {
			if s == l.Stage {
				break
			}
			path = append(path, s)
		}
	}
	path = append(path, l.Stage)
	// The first stage on creation, the last on the day the lead entered
	// it, the ones between at random times in order.
	span := l.StageEnteredAt.Sub(l.CreatedAt)
	cuts := make([]float64, max(0, len(path)-2))
	for i := range cuts {
		cuts[i] = g.r.Float64()
	}
	slices.Sort(cuts)
	log := make([]model.StageEntry, len(path))
	for i, s := range path {
		at := l.CreatedAt
		switch {
		case i == len(path)-1:
			at = l.StageEnteredAt
		case i > 0:
			at = l.CreatedAt.Add(time.Duration(float64(span) * cuts[i-1]))
		}
		log[i] = model.StageEntry{Stage: s, At: at}
	}
	return log
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (g *gen) company(english bool, i int) string {
	if english {
		return fmt.Sprintf("%s %s %s", g.pick(enPrefix), g.pick(enIndustry), g.pick(enSuffix))
	}
	return g.pick(zhPrefix) + g.pick(zhIndustry) + g.pick(zhSuffix)
}

func (g *gen) contact(english bool) model.Contact {
	if english {
		first, last := g.pick(enFirst), g.pick(enLast)
		return model.Contact{Name: first + " " + last, Title: g.pick(enTitles),
			Phone: fmt.Sprintf("+1 555 %03d %04d", g.r.IntN(1000), g.r.IntN(10000)),
			Email: fmt.Sprintf("%s.%s@example.com", lower(first), lower(last))}
	}
	return model.Contact{Name: g.pick(zhSurname) + g.pick(zhGiven), Title: g.pick(zhTitles),
		Phone: fmt.Sprintf("13%d %04d %04d", g.r.IntN(10), g.r.IntN(10000), g.r.IntN(10000))}
}

func (g *gen) notes(english bool) string {
	if english {
		return fmt.Sprintf("%s\n\n- %s\n- %s", g.pick(enNotes), g.pick(enPoints), g.pick(enPoints))
	}
	return fmt.Sprintf("%s\n\n- %s\n- %s", g.pick(zhNotes), g.pick(zhPoints), g.pick(zhPoints))
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func regionOf(city string) string {
	switch city {
	case "北京", "天津", "石家庄", "Beijing":
		return "华北"
	case "上海", "杭州", "南京", "苏州", "Shanghai":
		return "华东"
	case "广州", "深圳", "Shenzhen":
		return "华南"
	}
	return "中西部"
}

var (
	zhPrefix   = []string{"华北", "江南", "东方", "中原", "西部", "海天", "长城", "新华", "金桥", "星河", "蓝天", "瑞丰", "恒通", "宏达", "天成", "鼎盛", "汇丰", "博远", "信达", "和顺"}
	zhIndustry = []string{"能源", "电力", "化工", "钢铁", "纺织", "物流", "制造", "建材", "食品", "医药", "热力", "燃气", "机械", "电子"}
	zhSuffix   = []string{"有限公司", "股份有限公司", "集团有限公司", "科技有限公司", "实业有限公司"}
	enPrefix   = []string{"Northwind", "Acme", "Blue Ridge", "Summit", "Harbor", "Evergreen", "Pioneer", "Silverline", "Redwood", "Granite"}
	enIndustry = []string{"Energy", "Power", "Chemicals", "Steel", "Logistics", "Manufacturing", "Foods", "Utilities"}
	enSuffix   = []string{"Ltd.", "Inc.", "Co., Ltd.", "Group", "LLC"}
	zhSurname  = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "欧阳", "司马"}
	zhGiven    = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建国", "志强"}
	zhTitles   = []string{"采购经理", "总经理", "技术总监", "设备部主任", "财务总监", "副总经理"}
	enFirst    = []string{"Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Ivy", "Jack"}
	enLast     = []string{"Smith", "Jones", "Brown", "Taylor", "Wilson", "Clark", "Lewis", "Walker"}
	enTitles   = []string{"Purchasing Manager", "CEO", "CTO", "Plant Manager", "CFO"}
	cities     = [2][]string{{"北京", "上海", "广州", "深圳", "天津", "杭州", "南京", "武汉", "成都", "西安", "苏州", "石家庄"}, {"Beijing", "Shanghai", "Shenzhen", "Singapore", "Hong Kong"}}
	industries = []string{"能源 Energy", "化工 Chemicals", "制造 Manufacturing", "物流 Logistics", "食品 Food"}
	tags       = []string{"重点", "key account", "展会", "老客户", "new", "政府项目", "export"}
	products   = []string{"燃气锅炉 gas boilers", "光伏组件 PV modules", "储能系统 storage", "变压器 transformers", "余热回收 heat recovery"}
	kinds      = []string{model.KindVisit, model.KindVisit, model.KindCall, model.KindCall, model.KindCall, model.KindEmail, model.KindMeeting, model.KindDemo, model.KindNote, model.KindService}
	outcomes   = []string{"客户有兴趣 interested", "需要报价 needs a quote", "等待预算审批 waiting for budget", "约了下次拜访 next visit booked", "no decision yet"}
	feedback   = []string{"价格偏高", "交期要求紧", "对售后很满意", "wants a reference customer", "asked about financing"}
	actions    = []string{"回电话确认需求", "发送报价单", "安排技术交流", "拜访采购经理", "Send revised quote", "Call back about budget", "Book site survey", "合同条款确认"}
	complaints = []string{"设备调试延期", "售后响应慢", "发票开错", "Spare parts arrived late", "培训安排不到位"}
	zhNotes    = []string{
		"与客户采购部沟通了明年的用能计划，对方关注**价格**和**交付周期**。",
		"现场查看了锅炉房，设备老化严重，有改造需求。技术部需要配合出方案。",
		"客户反馈上次报价偏高，竞争对手报价低约8%。需要内部评估让利空间。",
		"总经理亲自参加会议，决策链清晰：技术部评估 → 采购部比价 → 总经理拍板。",
		"电话回访，客户对安装调试满意，提出增加两次培训。",
	}
	zhPoints = []string{"预算约300万", "希望三月前完成安装", "需提供同行业案例", "付款方式倾向分期", "关注能耗指标", "要求7x24售后"}
	enNotes  = []string{
		"Met the purchasing team to go over next year's energy plan. They care most about **price** and **lead time**.",
		"Site visit to the boiler room: the equipment is old and due for a retrofit. Technical support to draft a solution.",
		"Customer says our quote is about 8% above a competitor's. Need to check our margin.",
		"The CEO joined; decision chain is clear: engineering evaluates, purchasing compares, CEO signs.",
	}
	helperNotes = [2][]string{
		{"技术交流：梳理现场工况，确认锅炉容量和控制方案，下周出技术方案。", "方案评审：客户技术部认可节能测算，要求补充备件清单。"},
		{"Solution workshop: walked the site, sized the boilers and agreed the control scheme; proposal due next week.", "Design review: their engineers accept the savings estimate and want a spare-parts list."},
	}
	serviceNotes = [2][]string{
		{"安装调试完成，客户签字验收；安排操作人员培训两次。", "首次保养：更换滤芯，运行参数正常。"},
		{"Installation and commissioning done, customer signed off; two operator trainings booked.", "First maintenance: filters replaced, readings normal."},
	}
	enPoints = []string{"Budget around 3M CNY", "Wants installation before March", "Needs a reference customer", "Prefers staged payments", "Focus on efficiency figures"}
)
