<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ar_AE" sourcelanguage="en_GB">
<context>
    <name>AttractScreen</name>
    <message>
        <source>Today</source>
        <translation>اليوم</translation>
    </message>
    <message>
        <source>Touch to discover your scent</source>
        <translation>لمسة واحدة لاكتشاف عطرك</translation>
    </message>
</context>
<context>
    <name>BrowseScreen</name>
    <message>
        <source>Discover our scents</source>
        <translation>اكتشف عطورنا</translation>
    </message>
    <message>
        <source>Choose a scent family, or let us find your scent in three questions.</source>
        <translation>اختر عائلة عطرية، أو دعنا نجد عطرك في ثلاثة أسئلة.</translation>
    </message>
    <message>
        <source>All scents</source>
        <translation>جميع العطور</translation>
    </message>
    <message>
        <source>Find my scent</source>
        <translation>اعثر على عطري</translation>
    </message>
    <message>
        <source>from</source>
        <translation>ابتداءً من</translation>
    </message>
    <message>
        <source>Sold out</source>
        <translation>نفدت الكمية</translation>
    </message>
    <message>
        <source>Nothing in this family right now. Try another one.</source>
        <translation>لا يوجد شيء في هذه العائلة حاليًا. جرّب عائلة أخرى.</translation>
    </message>
</context>
<context>
    <name>CheckoutScreen</name>
    <message>
        <source>Your order</source>
        <translation>طلبك</translation>
    </message>
    <message>
        <source>Pay by card</source>
        <translation>الدفع بالبطاقة</translation>
    </message>
    <message>
        <source>Pay with points</source>
        <translation>الدفع بالنقاط</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>رجوع</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>إلغاء</translation>
    </message>
    <message>
        <source>List price</source>
        <translation>السعر الأصلي</translation>
    </message>
    <message>
        <source>Loyalty points</source>
        <translation>نقاط الولاء</translation>
    </message>
    <message>
        <source>Tax %1</source>
        <translation>الضريبة %1</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>الإجمالي</translation>
    </message>
    <message>
        <source>incl. VAT %1: %2</source>
        <translation>شاملة ضريبة القيمة المضافة %1: %2</translation>
    </message>
    <message>
        <source>%1%</source>
        <translation>%1%</translation>
    </message>
    <message>
        <source>Member: %1 · %2</source>
        <translation>العضو: %1 · %2</translation>
    </message>
    <message>
        <source>You earn 1 point with this purchase.</source>
        <translation>تكسب نقطة واحدة من عملية الشراء هذه.</translation>
    </message>
    <message numerus="yes">
        <source>You earn %n points with this purchase.</source>
        <translation>
            <numerusform>تكسب %n نقطة من عملية الشراء هذه.</numerusform>
            <numerusform>تكسب نقطة واحدة من عملية الشراء هذه.</numerusform>
            <numerusform>تكسب نقطتين من عملية الشراء هذه.</numerusform>
            <numerusform>تكسب %n نقاط من عملية الشراء هذه.</numerusform>
            <numerusform>تكسب %n نقطة من عملية الشراء هذه.</numerusform>
            <numerusform>تكسب %n نقطة من عملية الشراء هذه.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>You have %1 points</source>
        <translation>
            <numerusform>لديك %1 نقطة</numerusform>
            <numerusform>لديك %1 نقطة</numerusform>
            <numerusform>لديك %1 نقطة</numerusform>
            <numerusform>لديك %1 نقاط</numerusform>
            <numerusform>لديك %1 نقطة</numerusform>
            <numerusform>لديك %1 نقطة</numerusform>
        </translation>
    </message>
    <message>
        <source>Don&apos;t use my points</source>
        <translation>عدم استخدام نقاطي</translation>
    </message>
    <message numerus="yes">
        <source>Use %1 points (%2)</source>
        <translation>
            <numerusform>استخدام %1 نقطة (%2)</numerusform>
            <numerusform>استخدام %1 نقطة (%2)</numerusform>
            <numerusform>استخدام %1 نقطة (%2)</numerusform>
            <numerusform>استخدام %1 نقاط (%2)</numerusform>
            <numerusform>استخدام %1 نقطة (%2)</numerusform>
            <numerusform>استخدام %1 نقطة (%2)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DispensingScreen</name>
    <message>
        <source>Hold your wrist under the nozzle</source>
        <translation>ضع معصمك تحت فوهة الرش</translation>
    </message>
    <message>
        <source>Keep still for a moment: %1</source>
        <translation>ابقَ ثابتًا للحظة: %1</translation>
    </message>
    <message>
        <source>Keep still for a moment.</source>
        <translation>ابقَ ثابتًا للحظة.</translation>
    </message>
    <message>
        <source>Your bottle is on its way</source>
        <translation>زجاجتك في الطريق</translation>
    </message>
    <message>
        <source>Collect it from the tray below when it arrives.</source>
        <translation>استلمها من الدرج أدناه عند وصولها.</translation>
    </message>
    <message>
        <source>Seconds left</source>
        <translation>الثواني المتبقية</translation>
    </message>
    <message>
        <source>Almost done…</source>
        <translation>أوشكنا على الانتهاء…</translation>
    </message>
    <message>
        <source>Spraying…</source>
        <translation>جارٍ الرش…</translation>
    </message>
    <message>
        <source>On its way…</source>
        <translation>في الطريق…</translation>
    </message>
</context>
<context>
    <name>DoneScreen</name>
    <message>
        <source>Done</source>
        <translation>تم</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>شكرًا لك!</translation>
    </message>
    <message>
        <source>Please take your bottle from the tray below.</source>
        <translation>يُرجى أخذ زجاجتك من الدرج أدناه.</translation>
    </message>
    <message>
        <source>Enjoy your scent.</source>
        <translation>استمتع بعطرك.</translation>
    </message>
    <message>
        <source>Charged %1 to card •••• %2</source>
        <translation>تم خصم %1 من البطاقة •••• %2</translation>
    </message>
    <message>
        <source>Charged %1 to your card</source>
        <translation>تم خصم %1 من بطاقتك</translation>
    </message>
    <message>
        <source>%1, you earned 1 point.</source>
        <translation>%1، لقد كسبت نقطة واحدة.</translation>
    </message>
    <message numerus="yes">
        <source>%1, you earned %n points.</source>
        <translation>
            <numerusform>%1، لقد كسبت %n نقطة.</numerusform>
            <numerusform>%1، لقد كسبت نقطة واحدة.</numerusform>
            <numerusform>%1، لقد كسبت نقطتين.</numerusform>
            <numerusform>%1، لقد كسبت %n نقاط.</numerusform>
            <numerusform>%1، لقد كسبت %n نقطة.</numerusform>
            <numerusform>%1، لقد كسبت %n نقطة.</numerusform>
        </translation>
    </message>
    <message>
        <source>E-receipt QR code</source>
        <translation>رمز QR للإيصال الإلكتروني</translation>
    </message>
    <message>
        <source>Scan for your e-receipt</source>
        <translation>امسح الرمز للحصول على إيصالك الإلكتروني</translation>
    </message>
    <message>
        <source>We&apos;re sorry</source>
        <translation>نعتذر منك</translation>
    </message>
    <message>
        <source>Please keep this reference if you contact us.</source>
        <translation>يُرجى الاحتفاظ بهذا الرقم المرجعي عند التواصل معنا.</translation>
    </message>
    <message>
        <source>You will not be charged for this purchase.</source>
        <translation>لن يتم خصم أي مبلغ مقابل عملية الشراء هذه.</translation>
    </message>
    <message>
        <source>Reference: %1</source>
        <translation>الرقم المرجعي: %1</translation>
    </message>
</context>
<context>
    <name>ErrorOverlay</name>
    <message>
        <source>Something went wrong</source>
        <translation>حدث خطأ ما</translation>
    </message>
    <message>
        <source>Touch to continue</source>
        <translation>المس الشاشة للمتابعة</translation>
    </message>
</context>
<context>
    <name>Families</name>
    <message>
        <source>Floral</source>
        <translation>زهري</translation>
    </message>
    <message>
        <source>Woody</source>
        <translation>خشبي</translation>
    </message>
    <message>
        <source>Fresh</source>
        <translation>منعش</translation>
    </message>
    <message>
        <source>Amber</source>
        <translation>عنبري</translation>
    </message>
    <message>
        <source>Citrus</source>
        <translation>حمضيات</translation>
    </message>
    <message>
        <source>Gourmand</source>
        <translation>حلو</translation>
    </message>
</context>
<context>
    <name>FinderScreen</name>
    <message>
        <source>Back</source>
        <translation>رجوع</translation>
    </message>
    <message>
        <source>Find my scent</source>
        <translation>اعثر على عطري</translation>
    </message>
    <message>
        <source>Question %1 of %2</source>
        <translation>السؤال %1 من %2</translation>
    </message>
    <message>
        <source>No preference</source>
        <translation>لا تفضيل</translation>
    </message>
    <message>
        <source>Chosen for you</source>
        <translation>اخترناها لك</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>البدء من جديد</translation>
    </message>
    <message>
        <source>Best match</source>
        <translation>الأنسب لك</translation>
    </message>
    <message>
        <source>from</source>
        <translation>ابتداءً من</translation>
    </message>
    <message>
        <source>Sold out</source>
        <translation>نفدت الكمية</translation>
    </message>
</context>
<context>
    <name>Header</name>
    <message>
        <source>Normal text</source>
        <translation>نص عادي</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>نص كبير</translation>
    </message>
    <message>
        <source>Controls back to normal</source>
        <translation>الأزرار في مكانها المعتاد</translation>
    </message>
    <message>
        <source>Controls within reach</source>
        <translation>الأزرار في متناول اليد</translation>
    </message>
    <message>
        <source>Change language</source>
        <translation>تغيير اللغة</translation>
    </message>
</context>
<context>
    <name>IdlePrompt</name>
    <message>
        <source>Still there?</source>
        <translation>هل ما زلت هنا؟</translation>
    </message>
    <message numerus="yes">
        <source>We will start over in %n second(s).</source>
        <translation>
            <numerusform>سنبدأ من جديد خلال %n ثانية.</numerusform>
            <numerusform>سنبدأ من جديد خلال ثانية واحدة.</numerusform>
            <numerusform>سنبدأ من جديد خلال ثانيتين.</numerusform>
            <numerusform>سنبدأ من جديد خلال %n ثوانٍ.</numerusform>
            <numerusform>سنبدأ من جديد خلال %n ثانية.</numerusform>
            <numerusform>سنبدأ من جديد خلال %n ثانية.</numerusform>
        </translation>
    </message>
    <message>
        <source>Yes, I&apos;m here</source>
        <translation>نعم، أنا هنا</translation>
    </message>
</context>
<context>
    <name>LoyaltyScreen</name>
    <message>
        <source>Scan your loyalty code</source>
        <translation>امسح رمز الولاء الخاص بك</translation>
    </message>
    <message>
        <source>Open your loyalty app and hold your member QR code up to the scanner.</source>
        <translation>افتح تطبيق الولاء وقرّب رمز QR الخاص بعضويتك من الماسح.</translation>
    </message>
    <message>
        <source>Camera preview</source>
        <translation>معاينة الكاميرا</translation>
    </message>
    <message>
        <source>A phone showing a QR code held to the scanner</source>
        <translation>هاتف يعرض رمز QR أمام الماسح</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>رجوع</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>متابعة</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>تخطي</translation>
    </message>
    <message>
        <source>Members collect points on every purchase.</source>
        <translation>يجمع الأعضاء النقاط مع كل عملية شراء.</translation>
    </message>
    <message>
        <source>Welcome, %1</source>
        <translation>أهلًا بك، %1</translation>
    </message>
    <message>
        <source>%1 member</source>
        <translation>عضو %1</translation>
    </message>
    <message>
        <source>This purchase earns you 1 point.</source>
        <translation>تمنحك عملية الشراء هذه نقطة واحدة.</translation>
    </message>
    <message numerus="yes">
        <source>This purchase earns you %n points.</source>
        <translation>
            <numerusform>تمنحك عملية الشراء هذه %n نقطة.</numerusform>
            <numerusform>تمنحك عملية الشراء هذه نقطة واحدة.</numerusform>
            <numerusform>تمنحك عملية الشراء هذه نقطتين.</numerusform>
            <numerusform>تمنحك عملية الشراء هذه %n نقاط.</numerusform>
            <numerusform>تمنحك عملية الشراء هذه %n نقطة.</numerusform>
            <numerusform>تمنحك عملية الشراء هذه %n نقطة.</numerusform>
        </translation>
    </message>
    <message>
        <source>Your points are added when you buy.</source>
        <translation>تُضاف نقاطك عند الشراء.</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>Sorry, this one is sold out.</source>
        <translation>عذرًا، نفدت الكمية من هذا المنتج.</translation>
    </message>
    <message>
        <source>Card payments are unavailable while we are offline.</source>
        <translation>الدفع بالبطاقة غير متاح أثناء انقطاع الاتصال.</translation>
    </message>
    <message>
        <source>We are offline: this amount cannot be paid by card right now.</source>
        <translation>نحن غير متصلين بالشبكة: لا يمكن دفع هذا المبلغ بالبطاقة حاليًا.</translation>
    </message>
    <message>
        <source>We could not read that loyalty code. Please try again.</source>
        <translation>تعذّرت قراءة رمز الولاء. يُرجى المحاولة مرة أخرى.</translation>
    </message>
    <message>
        <source>This loyalty code has expired. Please refresh it in the app.</source>
        <translation>انتهت صلاحية رمز الولاء هذا. يُرجى تحديثه في التطبيق.</translation>
    </message>
    <message>
        <source>This loyalty code is not valid at this machine.</source>
        <translation>رمز الولاء هذا غير صالح على هذا الجهاز.</translation>
    </message>
    <message>
        <source>That is not a loyalty code.</source>
        <translation>هذا ليس رمز ولاء.</translation>
    </message>
    <message>
        <source>The card reader is not ready. Please try again shortly.</source>
        <translation>قارئ البطاقات غير جاهز. يُرجى المحاولة مرة أخرى بعد قليل.</translation>
    </message>
    <message>
        <source>Sales are paused for a moment. Please try again shortly.</source>
        <translation>المبيعات متوقفة مؤقتًا. يُرجى المحاولة مرة أخرى بعد قليل.</translation>
    </message>
    <message>
        <source>Something went wrong. Please try again.</source>
        <translation>حدث خطأ ما. يُرجى المحاولة مرة أخرى.</translation>
    </message>
    <message>
        <source>Not enough points are available. You can pay without them.</source>
        <translation>لا تتوفر نقاط كافية. يمكنك الدفع بدونها.</translation>
    </message>
    <message>
        <source>Points cannot be used right now. You can pay without them.</source>
        <translation>لا يمكن استخدام النقاط حاليًا. يمكنك الدفع بدونها.</translation>
    </message>
    <message>
        <source>Temporarily unavailable</source>
        <translation>غير متاح مؤقتًا</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>خارج الخدمة</translation>
    </message>
    <message>
        <source>Sales paused</source>
        <translation>المبيعات متوقفة</translation>
    </message>
    <message>
        <source>Card payments unavailable</source>
        <translation>الدفع بالبطاقة غير متاح</translation>
    </message>
    <message>
        <source>A technician is looking after this machine. Back soon.</source>
        <translation>يقوم فنيّ بصيانة هذا الجهاز. سنعود قريبًا.</translation>
    </message>
    <message>
        <source>This machine cannot sell right now. Sorry!</source>
        <translation>لا يمكن لهذا الجهاز البيع حاليًا. نعتذر!</translation>
    </message>
    <message>
        <source>We will be back in a moment.</source>
        <translation>سنعود بعد لحظات.</translation>
    </message>
    <message>
        <source>We are offline, so cards cannot be accepted. You can still discover our scents.</source>
        <translation>نحن غير متصلين بالشبكة، لذا لا يمكن قبول البطاقات. لا يزال بإمكانك اكتشاف عطورنا.</translation>
    </message>
    <message>
        <source>Your card was declined. You were not charged.</source>
        <translation>تم رفض بطاقتك. لم يتم خصم أي مبلغ.</translation>
    </message>
    <message>
        <source>No card was presented in time. You were not charged.</source>
        <translation>لم تُقدَّم أي بطاقة في الوقت المحدد. لم يتم خصم أي مبلغ.</translation>
    </message>
    <message>
        <source>Payment cancelled. You were not charged.</source>
        <translation>تم إلغاء الدفع. لم يتم خصم أي مبلغ.</translation>
    </message>
    <message>
        <source>The card reader had a problem. You were not charged.</source>
        <translation>واجه قارئ البطاقات مشكلة. لم يتم خصم أي مبلغ.</translation>
    </message>
    <message>
        <source>The payment service did not answer. You were not charged.</source>
        <translation>لم تستجب خدمة الدفع. لم يتم خصم أي مبلغ.</translation>
    </message>
    <message>
        <source>Sorry, this perfume just ran out. Your payment has been released.</source>
        <translation>عذرًا، نفد هذا العطر للتو. تم إلغاء الدفع.</translation>
    </message>
    <message>
        <source>Sorry, the machine could not deliver. Your payment has been released.</source>
        <translation>عذرًا، تعذّر على الجهاز تسليم طلبك. تم إلغاء الدفع.</translation>
    </message>
    <message>
        <source>We could not confirm the delivery. Your payment has been released and staff have been notified.</source>
        <translation>تعذّر علينا تأكيد التسليم. تم إلغاء الدفع وإبلاغ فريق العمل.</translation>
    </message>
    <message>
        <source>Sorry, something went wrong. You were not charged.</source>
        <translation>عذرًا، حدث خطأ ما. لم يتم خصم أي مبلغ.</translation>
    </message>
</context>
<context>
    <name>Offers</name>
    <message>
        <source>Spray · 1 spray</source>
        <translation>رشّ · رشّة واحدة</translation>
    </message>
    <message numerus="yes">
        <source>Spray · %n sprays</source>
        <translation>
            <numerusform>رشّ · %n رشّة</numerusform>
            <numerusform>رشّ · رشّة واحدة</numerusform>
            <numerusform>رشّ · رشّتان</numerusform>
            <numerusform>رشّ · %n رشّات</numerusform>
            <numerusform>رشّ · %n رشّة</numerusform>
            <numerusform>رشّ · %n رشّة</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 ml bottle</source>
        <translation>زجاجة %1 مل</translation>
    </message>
</context>
<context>
    <name>PaymentScreen</name>
    <message>
        <source>Cancel</source>
        <translation>إلغاء</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>إعادة المحاولة</translation>
    </message>
    <message>
        <source>Home</source>
        <translation>الرئيسية</translation>
    </message>
    <message>
        <source>Present, insert or tap your card</source>
        <translation>أدخل بطاقتك أو قرّبها من القارئ</translation>
    </message>
    <message>
        <source>Use the card reader below the screen.</source>
        <translation>استخدم قارئ البطاقات أسفل الشاشة.</translation>
    </message>
    <message>
        <source>Processing…</source>
        <translation>جارٍ المعالجة…</translation>
    </message>
    <message>
        <source>Please wait a moment.</source>
        <translation>يُرجى الانتظار لحظة.</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>تمت الموافقة</translation>
    </message>
    <message>
        <source>Thank you! Your perfume is coming.</source>
        <translation>شكرًا لك! عطرك في الطريق.</translation>
    </message>
    <message>
        <source>Card declined</source>
        <translation>تم رفض البطاقة</translation>
    </message>
    <message>
        <source>Time is up</source>
        <translation>انتهى الوقت</translation>
    </message>
    <message>
        <source>Payment cancelled</source>
        <translation>تم إلغاء الدفع</translation>
    </message>
    <message>
        <source>Payment did not go through</source>
        <translation>لم تكتمل عملية الدفع</translation>
    </message>
</context>
<context>
    <name>ProductScreen</name>
    <message>
        <source>Back</source>
        <translation>رجوع</translation>
    </message>
    <message>
        <source>Top notes</source>
        <translation>مقدمة العطر</translation>
    </message>
    <message>
        <source>Heart notes</source>
        <translation>قلب العطر</translation>
    </message>
    <message>
        <source>Base notes</source>
        <translation>قاعدة العطر</translation>
    </message>
    <message>
        <source>Try a spray or take a bottle home</source>
        <translation>جرّب رشّة أو خذ زجاجة معك</translation>
    </message>
    <message>
        <source>Skin scent</source>
        <translation>قريب من البشرة</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>خفيف</translation>
    </message>
    <message>
        <source>Moderate</source>
        <translation>معتدل</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>قوي</translation>
    </message>
    <message>
        <source>Intense</source>
        <translation>مكثّف</translation>
    </message>
    <message>
        <source>Intensity</source>
        <translation>قوة العطر</translation>
    </message>
    <message>
        <source>Intensity %1 of 5</source>
        <translation>قوة العطر %1 من 5</translation>
    </message>
    <message>
        <source>Sold out</source>
        <translation>نفدت الكمية</translation>
    </message>
    <message>
        <source>Spray</source>
        <translation>رشّ</translation>
    </message>
    <message numerus="yes">
        <source>%n spray(s) to try on your skin</source>
        <translation>
            <numerusform>%n رشّة لتجربتها على بشرتك</numerusform>
            <numerusform>رشّة واحدة لتجربتها على بشرتك</numerusform>
            <numerusform>رشّتان لتجربتهما على بشرتك</numerusform>
            <numerusform>%n رشّات لتجربتها على بشرتك</numerusform>
            <numerusform>%n رشّة لتجربتها على بشرتك</numerusform>
            <numerusform>%n رشّة لتجربتها على بشرتك</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 ml bottle</source>
        <translation>زجاجة %1 مل</translation>
    </message>
    <message>
        <source>Yours to take home</source>
        <translation>لتأخذها معك إلى المنزل</translation>
    </message>
</context>
<context>
    <name>Tiers</name>
    <message>
        <source>Classic</source>
        <translation>كلاسيكي</translation>
    </message>
    <message>
        <source>Bronze</source>
        <translation>برونزي</translation>
    </message>
    <message>
        <source>Silver</source>
        <translation>فضي</translation>
    </message>
    <message>
        <source>Gold</source>
        <translation>ذهبي</translation>
    </message>
    <message>
        <source>Platinum</source>
        <translation>بلاتيني</translation>
    </message>
    <message>
        <source>VIP</source>
        <translation>VIP</translation>
    </message>
</context>
<context>
    <name>UnavailableScreen</name>
    <message>
        <source>One moment, please</source>
        <translation>لحظة من فضلك</translation>
    </message>
    <message>
        <source>We will be right with you.</source>
        <translation>سنكون معك خلال لحظات.</translation>
    </message>
</context>
</TS>
