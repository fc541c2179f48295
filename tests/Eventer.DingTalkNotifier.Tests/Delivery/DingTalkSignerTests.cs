using Eventer.DingTalkNotifier.Delivery;
using Eventer.Notifications.Delivery;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class DingTalkSignerTests
{
    private const string Secret = "SECb8f1c2d3e4a5968778695a4b3c2d1e0f";
    private const long Timestamp = 1_700_000_000_003;

    // python3: base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest())
    private const string ExpectedSign = "k8RFo3z/+uYZSL2vfMye9nEFN+iIpHhIUCo8P/dLEkQ=";

    // python3: urllib.parse.quote(ExpectedSign, safe="")
    private const string ExpectedSignEncoded = "k8RFo3z%2F%2BuYZSL2vfMye9nEFN%2BiIpHhIUCo8P%2FdLEkQ%3D";

    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(Timestamp);

    [Fact]
    public void The_signature_matches_an_independently_computed_vector()
    {
        Assert.Equal(ExpectedSign, DingTalkSigner.Sign(Secret, Timestamp));
    }

    [Fact]
    public void The_signature_depends_on_the_timestamp_and_the_secret()
    {
        Assert.NotEqual(ExpectedSign, DingTalkSigner.Sign(Secret, Timestamp + 1));
        Assert.NotEqual(ExpectedSign, DingTalkSigner.Sign(Secret + "x", Timestamp));
    }

    [Fact]
    public void A_signed_url_adds_the_millisecond_timestamp_and_the_sign_encoded_once()
    {
        var url = DingTalkSigner.SignedUrl("https://oapi.dingtalk.com/robot/send?access_token=abc", Secret, At);

        Assert.Equal(
            $"https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp={Timestamp}&sign={ExpectedSignEncoded}",
            url.AbsoluteUri);
        Assert.Equal(ExpectedSign, Uri.UnescapeDataString(url.Query.Split("&sign=")[1]));
    }

    [Fact]
    public void A_webhook_without_a_query_gets_one()
    {
        var url = DingTalkSigner.SignedUrl("https://oapi.dingtalk.com/robot/send", Secret, At);

        Assert.Equal($"?timestamp={Timestamp}&sign={ExpectedSignEncoded}", url.Query);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Without_a_secret_the_webhook_is_called_as_it_is(string? secret)
    {
        const string webhook = "https://oapi.dingtalk.com/robot/send?access_token=abc";

        Assert.Equal(webhook, DingTalkSigner.SignedUrl(webhook, secret, At).AbsoluteUri);
    }
}
