/// How a distributor's report names a reseller it knows only by name (PRODUCT.md section 3, reseller matching).
public enum ResellerName {
    /// The key a written name is matched and mapped by: the referral normalisation, so `Acme Pty. Ltd.`, `ACME
    /// Limited` and `acme` are one name. Empty when the name holds no letter or digit (such a name never matches).
    public static func key(_ written: String) -> String { CustomerIdentity.normalize(name: written) }

}
