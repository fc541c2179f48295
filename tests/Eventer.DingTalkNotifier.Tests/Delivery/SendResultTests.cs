using Eventer.DingTalkNotifier.Delivery;
using Eventer.Notifications.Delivery;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class SendResultTests
{
    [Theory]
    [InlineData(0, SendOutcome.Sent)]
    [InlineData(130101, SendOutcome.RateLimited)]
    [InlineData(410100, SendOutcome.RateLimited)]
    [InlineData(310000, SendOutcome.Misconfigured)]
    [InlineData(300001, SendOutcome.Misconfigured)]
    [InlineData(300005, SendOutcome.Misconfigured)]
    [InlineData(400101, SendOutcome.Misconfigured)]
    [InlineData(400102, SendOutcome.Misconfigured)]
    [InlineData(400013, SendOutcome.Misconfigured)]
    [InlineData(460101, SendOutcome.TooLong)]
    [InlineData(-1, SendOutcome.Transient)]
    [InlineData(40035, SendOutcome.Transient)]
    [InlineData(999999, SendOutcome.Transient)]
    public void Each_errcode_maps_to_what_to_do_next(int errCode, SendOutcome outcome)
    {
        var result = DingTalkClient.FromErrCode(errCode, "msg");

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(errCode.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Code);
    }

    [Fact]
    public void Success_is_the_shared_ok_result()
    {
        Assert.Same(SendResult.Ok, DingTalkClient.FromErrCode(0, "ok"));
    }

    [Fact]
    public void A_failure_detail_holds_the_errcode_and_errmsg()
    {
        Assert.Equal("errcode 310000: sign not match", DingTalkClient.FromErrCode(310000, "sign not match").Detail);
    }
}
