@_exported import Tagged

/// Tagged identifiers: a partner's id cannot be passed where a referral's is expected.
///
/// The tags are empty enums named after what they identify; the stores map them to database keys.
public enum PartnerTag {}
public enum ReferralTag {}
public enum SalesLineTag {}
public enum SKUTag {}
public enum UserTag {}

/// A partner's surrogate key in the database.
public typealias PartnerID = Tagged<PartnerTag, Int64>
/// A partner's code as the vendor writes it in files and URLs (`ACME-NSW`).
public typealias PartnerCode = Tagged<PartnerTag, String>
/// A referral registration's id.
public typealias ReferralID = Tagged<ReferralTag, Int64>
/// A sales line's identifier within its source (`INV-2026-0001/3`).
public typealias SalesLineID = Tagged<SalesLineTag, String>
/// A stock-keeping unit in the price book.
public typealias SKU = Tagged<SKUTag, String>
/// A login's id.
public typealias UserID = Tagged<UserTag, Int64>
