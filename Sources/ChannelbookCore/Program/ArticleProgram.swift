// The article's program, built in. `programs/default.toml` holds the same text (a test keeps them equal)
// so that the shipped file and the built-in program can never drift apart.
extension Program {
    /// The TOML text of the program announced in the seed article.
    public static let articleTOML = """
        # The program announced in the seed article: Channelbook's built-in program.
        # `channelbook program check programs/default.toml` validates a copy you edit;
        # `--program FILE` on any command replaces the built-in program with yours.

        [program]
        name = "Australian channel program"
        currency = "AUD"
        effective_from = "2005-01-01"    # versions follow each other by this date
        national_max = 10                # "top five to ten" resellers deal direct

        [rebate]
        eligible_tiers = ["premier", "national"]
        tier_on = "period_end"           # the tier held on the quarter's last day
        basis_categories = ["hardware", "software"]   # "the rebates exclude licence renewals"
        mode = "volume"                  # or "graduated"
        rounding = "half_even"           # or "half_up", "down"
        tiers = [                        # each tier runs from its `from` to the next
          { from = "30000.00",  rate = "5%" },    # one's; below the first: nothing;
          { from = "50000.00",  rate = "7.5%" },  # the last has no end
          { from = "100000.00", rate = "10%" },
        ]

        [referral]
        measure = "seats"
        price = "partner_buy_price"      # per-seat price book price on the close date
        mode = "volume"
        rounding = "half_even"
        self_fulfilment_pays = false
        expiry_days = 90
        tiers = [
          { from = 250, rate = "5%" },    # "between 250 and 500 seats": 5 %
          { from = 501, rate = "10%" },   # "over 500 seats": 10 %
        ]

        [mdf]
        eligible_tiers = ["premier", "associate"]
        allocation_per_quarter = { premier = "5000.00", associate = "2000.00" }  # examples: the article gives none
        claim_within_days = 60
        max_share_of_cost = "50%"        # the vendor funds at most half of an activity
        allocation_expires_after_quarters = 1   # unused money expires at the end of the next quarter

        [renewals]
        owner = "distributor"            # or "vendor": the vendor owns every renewal (the old way)
        horizon_days = 90
        lapse_after_days = 30

        [segments]                       # analytics: each segment starts at its seats
        single = 1
        smb = 2                          # the SMB segment: 2 to 500 seats, pushed through distributors
        enterprise = 501
        """

    /// The program announced in the seed article: the program every command uses unless given `--program FILE`.
    public static let article: Program = {
        do { return try ProgramFile.parse(articleTOML) } catch { preconditionFailure("the built-in program is invalid: \(error)") }
    }()
}
