<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="en_GB">
<context>
    <name>CheckoutScreen</name>
    <message numerus="yes">
        <source>You earn %n points with this purchase.</source>
        <translation>
            <numerusform>You earn %n point with this purchase.</numerusform>
            <numerusform>You earn %n points with this purchase.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>You have %1 points</source>
        <translation>
            <numerusform>You have %1 point</numerusform>
            <numerusform>You have %1 points</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Use %1 points (%2)</source>
        <translation>
            <numerusform>Use %1 point (%2)</numerusform>
            <numerusform>Use %1 points (%2)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DiagnosticsSection</name>
    <message numerus="yes">
        <source>%n sale(s) today, %1 in total.</source>
        <translation>
            <numerusform>%n sale today, %1 in total.</numerusform>
            <numerusform>%n sales today, %1 in total.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n channel(s) running low.</source>
        <translation>
            <numerusform>%n channel running low.</numerusform>
            <numerusform>%n channels running low.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n event(s) waiting now.</source>
        <translation>
            <numerusform>%n event waiting now.</numerusform>
            <numerusform>%n events waiting now.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n event(s), %1</source>
        <translation>
            <numerusform>%n event, %1</numerusform>
            <numerusform>%n events, %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DoneScreen</name>
    <message numerus="yes">
        <source>%1, you earned %n points.</source>
        <translation>
            <numerusform>%1, you earned %n point.</numerusform>
            <numerusform>%1, you earned %n points.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>IdlePrompt</name>
    <message numerus="yes">
        <source>We will start over in %n second(s).</source>
        <translation>
            <numerusform>We will start over in %n second.</numerusform>
            <numerusform>We will start over in %n seconds.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ItemList</name>
    <message numerus="yes">
        <source>%1 · about %n spray(s) left</source>
        <translation>
            <numerusform>%1 · about %n spray left</numerusform>
            <numerusform>%1 · about %n sprays left</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n bottle(s) of %1 ml</source>
        <translation>
            <numerusform>%n bottle of %1 ml</numerusform>
            <numerusform>%n bottles of %1 ml</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n running low</source>
        <translation>
            <numerusform>%n running low</numerusform>
            <numerusform>%n running low</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n expired or expiring</source>
        <translation>
            <numerusform>%n expired or expiring</numerusform>
            <numerusform>%n expired or expiring</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LoyaltyScreen</name>
    <message numerus="yes">
        <source>This purchase earns you %n points.</source>
        <translation>
            <numerusform>This purchase earns you %n point.</numerusform>
            <numerusform>This purchase earns you %n points.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MachineSection</name>
    <message numerus="yes">
        <source>Written: %1 (%n file(s)).</source>
        <translation>
            <numerusform>Written: %1 (%n file).</numerusform>
            <numerusform>Written: %1 (%n files).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Offers</name>
    <message numerus="yes">
        <source>Spray · %n sprays</source>
        <translation>
            <numerusform>Spray · %n spray</numerusform>
            <numerusform>Spray · %n sprays</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PinPage</name>
    <message numerus="yes">
        <source>Locked after too many wrong PINs. Try again in %n minute(s).</source>
        <translation>
            <numerusform>Locked after too many wrong PINs. Try again in %n minute.</numerusform>
            <numerusform>Locked after too many wrong PINs. Try again in %n minutes.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Too many attempts. Try again in %n second(s).</source>
        <translation>
            <numerusform>Too many attempts. Try again in %n second.</numerusform>
            <numerusform>Too many attempts. Try again in %n seconds.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Wrong ID or PIN. %n attempt(s) left before a 30-minute lock.</source>
        <translation>
            <numerusform>Wrong ID or PIN. %n attempt left before a 30-minute lock.</numerusform>
            <numerusform>Wrong ID or PIN. %n attempts left before a 30-minute lock.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProductScreen</name>
    <message numerus="yes">
        <source>%n spray(s) to try on your skin</source>
        <translation>
            <numerusform>%n spray to try on your skin</numerusform>
            <numerusform>%n sprays to try on your skin</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message numerus="yes">
        <source>%n bottle(s)</source>
        <translation>
            <numerusform>%n bottle</numerusform>
            <numerusform>%n bottles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Test spray on channel %1: %2, %n dose(s).</source>
        <translation>
            <numerusform>Test spray on channel %1: %2, %n dose.</numerusform>
            <numerusform>Test spray on channel %1: %2, %n doses.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Calibration: %n dose(s) sprayed. Measure the vial and enter the volume.</source>
        <translation>
            <numerusform>Calibration: %n dose sprayed. Measure the vial and enter the volume.</numerusform>
            <numerusform>Calibration: %n doses sprayed. Measure the vial and enter the volume.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n point(s) given back to the member.</source>
        <translation>
            <numerusform>%n point given back to the member.</numerusform>
            <numerusform>%n points given back to the member.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n file(s) to %1.</source>
        <translation>
            <numerusform>Exported %n file to %1.</numerusform>
            <numerusform>Exported %n files to %1.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StockForm</name>
    <message numerus="yes">
        <source>Now %n bottle(s) · lots: %1</source>
        <translation>
            <numerusform>Now %n bottle · lots: %1</numerusform>
            <numerusform>Now %n bottles · lots: %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TransactionsSection</name>
    <message numerus="yes">
        <source>Waiting for a review (%n)</source>
        <translation>
            <numerusform>Waiting for a review (%n)</numerusform>
            <numerusform>Waiting for a review (%n)</numerusform>
        </translation>
    </message>
</context>
</TS>
