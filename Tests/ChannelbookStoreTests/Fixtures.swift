import ChannelbookCore

/// A small channel: two distributors, a national reseller, two premiers, an associate promoted mid-quarter,
/// and a premier demoted mid-quarter.
enum Fixtures {
    static let premierABN = validABN("824753556")
    static let distributorABN = validABN("004085616")

    static let partners = """
        code,name,kind,tier,distributors,abn,tier_since
        D01,Ingot Micro Australia Pty Ltd,distributor,,,\(distributorABN),
        D02,"Channelworx, Pty Ltd",distributor,,,,
        N01,National One,reseller,national,,,
        P01,"Premier \"\"One\"\"",reseller,premier,D01,\(premierABN),
        P02,Premier Two,reseller,premier,D01;D02,,
        A01,Associate One,reseller,associate,D02,,
        X01,Demoted Premier,reseller,premier,D01,,
        """

    static let pricebook = """
        sku,name,category,partner_buy_price,effective_from
        HW-1,"Gateway, 1GbE",hardware,1000.00,2024-07-01
        SW-1,Endpoint Suite,software,120.00,2024-07-01
        SW-1,Endpoint Suite,software,130.00,2026-02-15
        RN-1,Maintenance Renewal,renewal,10.00,2024-07-01
        """

    static let salesHeader = "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n"

    /// Lines for 2026Q1: P01 reaches 49,999.50 net after a credit; renewals excluded; three route exceptions.
    static let sales = salesHeader + """
        D01-1,2026-01-10,D01,P01,Acme Mining,HW-1,hardware,30,30000.00,AUD
        D01-2,2026-02-10,D01,P01,"Acme, Health",SW-1,software,170,20000.00,AUD
        D01-3,2026-03-31,D01,\(premierABN),Acme Legal,SW-1,software,1,-0.50,AUD
        D01-4,2026-03-15,D01,P01,Acme Legal,RN-1,renewal,100,9000.00,AUD
        INV-1,2026-01-05,DIRECT,N01,Big Bank,HW-1,hardware,100,100000.00,AUD
        D02-1,2026-02-01,D02,P02,"Council \"\"North\"\"",SW-1,software,10,1200.00,AUD
        INV-2,2026-02-02,DIRECT,P02,Council South,SW-1,software,10,1200.00,AUD
        D02-2,2026-02-03,D02,P01,Council East,SW-1,software,10,1200.00,AUD
        D01-5,2026-02-04,D01,N01,Council West,SW-1,software,10,1200.00,AUD
        """
}
